import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// The database side of erasure: the image's rows go at once (faces and vectors, hashes,
/// duplicate pairs, timeline, queued jobs and undelivered webhooks cascade from `images`), a
/// tombstone stays, and the `erase_image` job deletes the files listed in `image_files`.
public struct ErasureRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public struct Tombstone: Sendable, Equatable {
        public var imageID: UUID
        public var sha256: String
        public var requestedBy: String
        public var requestedAt: Date
        public var completedAt: Date?
    }

    /// Deletes the image row and writes its tombstone, in the caller's transaction. The DELETE
    /// waits for a job that holds the row (it locks it while it writes files), so once this
    /// commits no writer can add a file. Returns nil when there is no such image.
    public func begin(_ imageID: UUID, by actor: String, on connection: PostgresConnection) async throws -> Tombstone? {
        // Names clients gave their files are personal data too.
        try await connection.query("DELETE FROM upload_intents WHERE image_id = \(imageID)", logger: logger)
        // Its faces go with the row; a person known only from this image goes with them.
        let identities = IdentityRepository(client: client, logger: logger)
        let people = try await identities.identities(ofImage: imageID, on: connection)
        let rows = try await connection.query(
            """
            WITH gone AS (DELETE FROM images WHERE id = \(imageID) RETURNING id, sha256)
            INSERT INTO erasures (image_id, sha256, requested_by)
            SELECT id, sha256, \(actor) FROM gone
            ON CONFLICT (image_id) DO NOTHING
            RETURNING image_id, sha256, requested_by, requested_at, completed_at
            """, logger: logger)
        var tombstone: Tombstone?
        for try await row in rows.decode((UUID, String, String, Date, Date?).self) {
            tombstone = Tombstone(imageID: row.0, sha256: row.1, requestedBy: row.2, requestedAt: row.3, completedAt: row.4)
        }
        try await identities.prune(people, on: connection)
        return tombstone
    }

    public func find(_ imageID: UUID) async throws -> Tombstone? {
        try await first("WHERE image_id = \(imageID)")
    }

    public func find(sha256: String) async throws -> Tombstone? {
        try await first("WHERE sha256 = \(sha256) ORDER BY requested_at DESC LIMIT 1")
    }

    private func first(_ condition: PostgresQuery) async throws -> Tombstone? {
        var query: PostgresQuery = "SELECT image_id, sha256, requested_by, requested_at, completed_at FROM erasures "
        query.sql += condition.sql
        query.binds = condition.binds
        for try await row in try await client.query(query, logger: logger).decode((UUID, String, String, Date, Date?).self) {
            return Tombstone(imageID: row.0, sha256: row.1, requestedBy: row.2, requestedAt: row.3, completedAt: row.4)
        }
        return nil
    }

    public func complete(_ imageID: UUID) async throws {
        try await client.query(
            "UPDATE erasures SET completed_at = coalesce(completed_at, clock_timestamp()) WHERE image_id = \(imageID)", logger: logger)
    }

    /// Images erased after `since` (all when nil), oldest first: workers drop them from their
    /// in-memory duplicate index. The window reaches a minute further back, so an erasure that
    /// committed late (its timestamp is taken before commit) is not skipped; dropping twice is harmless.
    public func erased(since: Date?) async throws -> [(imageID: UUID, at: Date)] {
        try await client.withConnection { try await Self.erased(since: since, on: $0, logger: logger) }
    }

    public static func erased(since: Date?, on connection: PostgresConnection, logger: Logger) async throws -> [(imageID: UUID, at: Date)] {
        let rows = try await connection.query(
            """
            SELECT image_id, requested_at FROM erasures
            WHERE \(since)::timestamptz IS NULL OR requested_at > \(since)::timestamptz - interval '1 minute'
            ORDER BY requested_at
            """, logger: logger)
        var result: [(imageID: UUID, at: Date)] = []
        for try await (id, at) in rows.decode((UUID, Date).self) { result.append((id, at)) }
        return result
    }
}
