import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// All SQL for `api_keys`. Secrets never reach this type: only their SHA-256.
public struct KeyRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    static let columns: PostgresQuery = "id, lookup, role, name, created_by, created_at, last_used_at, revoked_at"

    public func create(_ record: APIKeyRecord, secretSHA256: [UInt8]) async throws {
        try await client.query(
            """
            INSERT INTO api_keys (id, lookup, secret_sha256, role, name, created_by, created_at)
            VALUES (\(record.id), \(record.lookup), \(Data(secretSHA256)), \(record.role.rawValue), \(record.name), \(record.createdBy),
                    \(record.createdAt))
            """, logger: logger)
    }

    /// Inserts `record` (an admin key) only when no active admin key exists, deciding under a
    /// transaction-scoped advisory lock, so two processes starting at once on an empty database
    /// cannot both create one. False when one existed.
    public func createFirstAdmin(_ record: APIKeyRecord, secretSHA256: [UInt8]) async throws -> Bool {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.firstAdminLock))", logger: logger)
            let rows = try await connection.query(
                """
                INSERT INTO api_keys (id, lookup, secret_sha256, role, name, created_by, created_at)
                SELECT \(record.id), \(record.lookup), \(Data(secretSHA256)), \(record.role.rawValue), \(record.name),
                       \(record.createdBy), \(record.createdAt)
                WHERE NOT EXISTS (SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL)
                RETURNING id
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    /// The advisory lock key for the first-admin decision ("fpadmin1" read as an integer).
    static let firstAdminLock: Int64 = 0x6670_6164_6d69_6e31

    /// The key with this lookup and its stored hash (revoked keys too: the caller decides).
    public func find(lookup: String) async throws -> (record: APIKeyRecord, secretSHA256: [UInt8])? {
        let rows = try await client.query(
            """
            SELECT id, lookup, role, name, created_by, created_at, last_used_at, revoked_at, secret_sha256
            FROM api_keys WHERE lookup = \(lookup)
            """, logger: logger)
        for try await row in rows.decode((UUID, String, String, String, String?, Date, Date?, Date?, Data).self) {
            return (Self.record(row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7), Array(row.8))
        }
        return nil
    }

    public func find(id: UUID) async throws -> APIKeyRecord? {
        let rows = try await client.query(
            "SELECT id, lookup, role, name, created_by, created_at, last_used_at, revoked_at FROM api_keys WHERE id = \(id)",
            logger: logger)
        for try await row in rows.decode((UUID, String, String, String, String?, Date, Date?, Date?).self) {
            return Self.record(row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7)
        }
        return nil
    }

    /// Newest first.
    public func list() async throws -> [APIKeyRecord] {
        let rows = try await client.query(
            "SELECT id, lookup, role, name, created_by, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at DESC",
            logger: logger)
        var keys: [APIKeyRecord] = []
        for try await row in rows.decode((UUID, String, String, String, String?, Date, Date?, Date?).self) {
            keys.append(Self.record(row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7))
        }
        return keys
    }

    /// Marks the key revoked (once); nil when there is no such key.
    public func revoke(_ id: UUID) async throws -> APIKeyRecord? {
        let rows = try await client.query(
            """
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = \(id)
            RETURNING id, lookup, role, name, created_by, created_at, last_used_at, revoked_at
            """, logger: logger)
        for try await row in rows.decode((UUID, String, String, String, String?, Date, Date?, Date?).self) {
            return Self.record(row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7)
        }
        return nil
    }

    /// Records use at most once a minute per key, so authentication is not a write per request.
    public func touch(_ id: UUID) async throws {
        try await client.query(
            """
            UPDATE api_keys SET last_used_at = now()
            WHERE id = \(id) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
            """, logger: logger)
    }

    public func activeAdminExists() async throws -> Bool {
        let rows = try await client.query(
            "SELECT EXISTS (SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL)", logger: logger)
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }

    static func record(_ id: UUID, _ lookup: String, _ role: String, _ name: String, _ createdBy: String?, _ createdAt: Date,
                       _ lastUsed: Date?, _ revoked: Date?) -> APIKeyRecord {
        APIKeyRecord(id: id, lookup: lookup, role: Role(rawValue: role) ?? .standard, name: name, createdBy: createdBy,
                     createdAt: createdAt, lastUsedAt: lastUsed, revokedAt: revoked)
    }
}
