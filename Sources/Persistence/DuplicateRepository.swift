import FacepipeCore
import Foundation
import Logging
import PostgresNIO

public enum DuplicateStatus: String, Sendable, Codable, CaseIterable { case pending, confirmed, different }

/// A near-duplicate pair as the API shows it.
public struct DuplicatePair: Sendable, Equatable {
    public var id: Int64
    public var image1: UUID
    public var image2: UUID
    public var hashType: String
    public var distance: Int
    /// One image is a flipped copy of the other (found through the mirror image's hash).
    public var mirrored: Bool
    public var status: DuplicateStatus
    public var reviewedBy: String?
    public var reviewedAt: Date?
    public var createdAt: Date
}

public struct DuplicateRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    static let columns = "id, image1_id, image2_id, hash_type, hamming_distance, mirrored, status, reviewed_by, reviewed_at, created_at"

    public func forImage(_ id: UUID) async throws -> [DuplicatePair] {
        try await pairs(try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM image_duplicates
            WHERE image1_id = \(id) OR image2_id = \(id) ORDER BY hamming_distance, id
            """, logger: logger))
    }

    /// Newest first, keyset-paginated by id.
    public func list(status: DuplicateStatus?, beforeID: Int64?, limit: Int) async throws -> [DuplicatePair] {
        let status = status?.rawValue
        return try await pairs(try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM image_duplicates
            WHERE (\(status)::text IS NULL OR status = \(status)) AND (\(beforeID)::int8 IS NULL OR id < \(beforeID))
            ORDER BY id DESC LIMIT \(limit)
            """, logger: logger))
    }

    /// Records a reviewer's decision; nil if no such pair.
    public func review(_ id: Int64, status: DuplicateStatus, reviewer: String?) async throws -> DuplicatePair? {
        try await pairs(try await client.query(
            """
            UPDATE image_duplicates SET status = \(status.rawValue), reviewed_by = \(reviewer), reviewed_at = now()
            WHERE id = \(id) RETURNING \(unescaped: Self.columns)
            """, logger: logger)).first
    }

    private func pairs(_ rows: PostgresRowSequence) async throws -> [DuplicatePair] {
        var result: [DuplicatePair] = []
        for try await (id, a, b, type, distance, mirrored, status, reviewer, reviewedAt, created) in rows.decode(
            (Int64, UUID, UUID, String, Int, Bool, String, String?, Date?, Date).self)
        {
            result.append(DuplicatePair(id: id, image1: a, image2: b, hashType: type, distance: distance, mirrored: mirrored,
                                        status: DuplicateStatus(rawValue: status) ?? .pending, reviewedBy: reviewer,
                                        reviewedAt: reviewedAt, createdAt: created))
        }
        return result
    }
}
