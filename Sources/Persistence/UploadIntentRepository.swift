import FacepipeCore
import Foundation
import Logging
import PostgresNIO

public struct UploadIntentRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func create(_ intent: UploadIntent) async throws {
        try await client.query(
            """
            INSERT INTO upload_intents (id, filename, content_type, declared_bytes, report_id, blur_faces, is_public, created_by,
                                        created_by_role, expires_at)
            VALUES (\(intent.id), \(intent.filename), \(intent.contentType), \(intent.declaredBytes), \(intent.reportID),
                    \(intent.blurFaces), \(intent.isPublic), \(intent.createdBy), \(intent.createdByRole?.rawValue), \(intent.expiresAt))
            """, logger: logger)
        // Expired, unused intents are only clutter: drop them as new ones arrive.
        try await client.query(
            "DELETE FROM upload_intents WHERE used_at IS NULL AND expires_at < now() - interval '1 day'", logger: logger)
    }

    public func find(_ id: UUID) async throws -> UploadIntent? {
        let rows = try await client.query(
            """
            SELECT id, filename, content_type, declared_bytes, report_id, blur_faces, is_public, created_by, created_by_role,
                   expires_at, used_at
            FROM upload_intents WHERE id = \(id)
            """, logger: logger)
        for try await (id, filename, type, bytes, report, blur, isPublic, createdBy, role, expires, used) in rows.decode(
            (UUID, String, String, Int64?, String?, Bool, Bool, String?, String?, Date, Date?).self)
        {
            return UploadIntent(id: id, filename: filename, contentType: type, declaredBytes: bytes, reportID: report,
                                blurFaces: blur, isPublic: isPublic, createdBy: createdBy, createdByRole: role.flatMap(Role.init(rawValue:)),
                                expiresAt: expires, usedAt: used)
        }
        return nil
    }

    /// Claims the intent for one upload, in the caller's transaction; false if already used.
    public func markUsed(_ id: UUID, imageID: UUID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "UPDATE upload_intents SET used_at = now(), image_id = \(imageID) WHERE id = \(id) AND used_at IS NULL RETURNING id",
            logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
