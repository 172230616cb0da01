import FacepipeCore
import Foundation
import Logging
import PostgresNIO

public struct DuplicateRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    static let columns = """
        id, image1_id, image2_id, ahash_distance, dhash_distance, phash_distance, pdq_distance, similarity, confidence, mirrored,
        status, reviewed_by, reviewed_at, created_at, matched_by
        """

    /// The order of a listing: newest first (keyset by id), or most confident first (a page of
    /// pairs to review).
    public enum Order: Sendable { case newest, confidence }

    public func forImage(_ id: UUID) async throws -> [DuplicatePair] {
        try await pairs(try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM image_duplicates
            WHERE image1_id = \(id) OR image2_id = \(id) ORDER BY confidence DESC, id
            """, logger: logger))
    }

    /// Newest first, keyset-paginated by id; or the most confident `limit` (no cursor).
    public func list(status: DuplicateStatus?, beforeID: Int64?, limit: Int, order: Order = .newest) async throws -> [DuplicatePair] {
        let status = status?.rawValue
        let orderBy = order == .newest ? "id DESC" : "confidence DESC, id DESC"
        return try await pairs(try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM image_duplicates
            WHERE (\(status)::text IS NULL OR status = \(status)) AND (\(beforeID)::int8 IS NULL OR id < \(beforeID))
            ORDER BY \(unescaped: orderBy) LIMIT \(limit)
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

    private func pairs(_ rows: some AsyncSequence<PostgresRow, any Error>) async throws -> [DuplicatePair] {
        var result: [DuplicatePair] = []
        for try await row in rows.decode(
            (Int64, UUID, UUID, Int, Int, Int, Int, Double, Double, Bool, String, String?, Date?, Date, String).self)
        {
            result.append(DuplicatePair(id: row.0, image1: row.1, image2: row.2,
                                        distances: HashDistances(ahash: row.3, dhash: row.4, phash: row.5, pdq: row.6),
                                        similarity: row.7, confidence: row.8, mirrored: row.9, matchedBy: MatchedBy(rawValue: row.14) ?? .own,
                                        status: DuplicateStatus(rawValue: row.10) ?? .pending, reviewedBy: row.11,
                                        reviewedAt: row.12, createdAt: row.13))
        }
        return result
    }
}
