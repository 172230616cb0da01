import Foundation
import Logging
import PostgresNIO

/// Receipts of anonymous uploads: only the token's SHA-256 is kept, so the table alone lets
/// no one follow an upload.
public struct UploadReceiptRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// - Parameter digest: the token's SHA-256, hex (`ReceiptService.digest`).
    public func create(digest: String, imageID: UUID, expiresAt: Date) async throws {
        try await client.query(
            """
            INSERT INTO upload_receipts (token_sha256, image_id, expires_at)
            VALUES (\(digest), \(imageID), \(expiresAt))
            """, logger: logger)
        // Expired receipts are only clutter: drop them as new ones arrive.
        try await client.query("DELETE FROM upload_receipts WHERE expires_at < now()", logger: logger)
    }

    /// The image a live receipt follows; nil for an unknown or expired token.
    public func image(forDigest digest: String) async throws -> UUID? {
        let rows = try await client.query(
            "SELECT image_id FROM upload_receipts WHERE token_sha256 = \(digest) AND expires_at > now()", logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    /// How many anonymized copies exist of `imageID` (receipt holders may ask for a few), with
    /// the image's row locked until the caller's transaction ends.
    public static func lockAndCountCopies(of imageID: UUID, on connection: PostgresConnection) async throws -> Int {
        _ = try await connection.query("SELECT 1 FROM images WHERE id = \(imageID) FOR UPDATE", logger: connection.logger)
        let rows = try await connection.query("SELECT count(*)::int FROM processed_variants WHERE image_id = \(imageID)",
                                              logger: connection.logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
