import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// All SQL for the `images` table and its `reports`.
public struct ImageRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public enum InsertResult: Sendable, Equatable {
        case inserted(UUID)
        /// The same bytes (same SHA-256 in the same pipeline) were uploaded before.
        case duplicate(existing: UUID)
    }

    /// Inserts the row for a stored original, in the caller's transaction (so its processing job
    /// can be enqueued atomically with it). Creates the report row on first sight.
    public func insert(_ image: NewImage, on connection: PostgresConnection) async throws -> InsertResult {
        if let report = image.reportID {
            try await connection.query("INSERT INTO reports (id) VALUES (\(report)) ON CONFLICT (id) DO NOTHING", logger: logger)
        }
        let rows = try await connection.query(
            """
            WITH inserted AS (
                INSERT INTO images (id, report_id, pipeline, sha256, mime, bytes, width, height, original_key, blur_faces, is_public,
                                    status)
                VALUES (\(image.id), \(image.reportID), \(image.pipeline), \(image.sha256), \(image.mime), \(image.bytes),
                        \(image.width), \(image.height), \(image.originalKey), \(image.blurFaces || image.isPublic), \(image.isPublic),
                        'queued')
                ON CONFLICT (pipeline, sha256) DO NOTHING
                RETURNING id
            )
            SELECT id FROM inserted
            UNION ALL
            SELECT id FROM images WHERE pipeline = \(image.pipeline) AND sha256 = \(image.sha256)
                AND NOT EXISTS (SELECT 1 FROM inserted)
            """, logger: logger)
        for try await id in rows.decode(UUID.self) {
            return id == image.id ? .inserted(id) : .duplicate(existing: id)
        }
        // Lost a race with a concurrent insert of the same bytes that has not committed yet.
        throw APIError(status: 409, code: "upload_in_progress", message: "the same file is being uploaded right now; retry shortly")
    }

    public func find(_ id: UUID) async throws -> ImageRecord? {
        let rows = try await client.query("SELECT \(unescaped: Self.columns) FROM images WHERE id = \(id)", logger: logger)
        for try await row in rows { return try Self.record(row) }
        return nil
    }

    public func findBySHA256(_ sha256: String, pipeline: String = "default") async throws -> ImageRecord? {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.columns) FROM images WHERE pipeline = \(pipeline) AND sha256 = \(sha256)", logger: logger)
        for try await row in rows { return try Self.record(row) }
        return nil
    }

    /// Newest first; `after` continues from a previous page's last row.
    public func list(_ filter: ImageFilter, after cursor: ImageCursor?, limit: Int) async throws -> [ImageRecord] {
        let status = filter.status?.rawValue
        let anonymizeStatus = filter.anonymizeStatus?.rawValue
        let cursorTime = cursor?.createdAt
        let cursorID = cursor?.id
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM images
            WHERE (\(status)::text IS NULL OR status = \(status))
              AND (\(filter.hasFaces)::boolean IS NULL OR has_faces = \(filter.hasFaces))
              AND (\(filter.from)::timestamptz IS NULL OR created_at >= \(filter.from))
              AND (\(filter.to)::timestamptz IS NULL OR created_at < \(filter.to))
              AND (\(filter.reportID)::text IS NULL OR EXISTS (
                    SELECT 1 FROM image_reports r WHERE r.image_id = images.id AND r.report_id = \(filter.reportID)))
              AND (NOT \(filter.publicOnly) OR (is_public AND status = 'done' AND EXISTS (
                    -- ProcessedVariant.isPubliclyShowable: a verified copy that masks faces (the
                    -- gallery shows copies, never the original's thumbnails: seed 002).
                    SELECT 1 FROM processed_variants v WHERE v.image_id = images.id AND v.status = 'done'
                      AND v.faces_left = 0 AND v.options->>'replacewith' <> 'none')))
              AND (\(anonymizeStatus)::text IS NULL OR EXISTS (
                    SELECT 1 FROM processed_variants v WHERE v.image_id = images.id AND v.status = \(anonymizeStatus)))
              AND (\(cursorTime)::timestamptz IS NULL OR (created_at, id) < (\(cursorTime), \(cursorID)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit)
            """, logger: logger)
        var records: [ImageRecord] = []
        for try await row in rows { records.append(try Self.record(row)) }
        return records
    }

    /// The perceptual hashes as stored (hex, by name; empty before processing), for the detail view.
    public func hashes(of id: UUID) async throws -> [(name: String, value: String)] {
        let rows = try await client.query(
            "SELECT phash, dhash, ahash, pdq, pdq_quality FROM images WHERE id = \(id)", logger: logger)
        for try await (p, d, a, pdq, quality) in rows.decode((String?, String?, String?, String?, Int?).self) {
            return [("pHash", p), ("dHash", d), ("aHash", a), ("PDQ", pdq), ("PDQ quality", quality.map(String.init))]
                .compactMap { name, value in value.map { (name, $0) } }
        }
        return []
    }

    /// From now on the image's public derivatives show no face (and, if asked, it is in the public gallery).
    public func requireBlurredFaces(_ id: UUID, isPublic: Bool, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE images SET blur_faces = true, is_public = is_public OR \(isPublic), updated_at = now() WHERE id = \(id)",
            logger: logger)
    }

    /// Marks an image queued again (reprocessing), in the caller's transaction.
    public func markQueued(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE images SET status = 'queued', error = NULL, updated_at = now() WHERE id = \(id)", logger: logger)
    }

    static let columns = """
        id, report_id, pipeline, sha256, mime, bytes, width, height, original_key, thumbnails::text, safe_meta::text,
        has_faces, face_count, blur_faces, status, error, created_at, processed_at, is_public,
        ARRAY(SELECT report_id FROM image_reports WHERE image_id = images.id ORDER BY added_at)
        """

    static func record(_ row: PostgresRow) throws -> ImageRecord {
        let c = row.makeRandomAccess()
        let thumbnails = try c[9].decode(String.self)
        return ImageRecord(
            id: try c[0].decode(UUID.self), reportID: try c[1].decode(String?.self), pipeline: try c[2].decode(String.self),
            sha256: try c[3].decode(String.self), mime: try c[4].decode(String.self), bytes: try c[5].decode(Int64.self),
            width: try c[6].decode(Int?.self), height: try c[7].decode(Int?.self), originalKey: try c[8].decode(String.self),
            thumbnails: (try? JSONDecoder().decode([String: String].self, from: Data(thumbnails.utf8))) ?? [:],
            safeMetadata: try c[10].decode(String.self), hasFaces: try c[11].decode(Bool?.self),
            faceCount: try c[12].decode(Int?.self), blurFaces: try c[13].decode(Bool.self), isPublic: try c[18].decode(Bool.self),
            status: ImageStatus(rawValue: try c[14].decode(String.self)) ?? .failed, error: try c[15].decode(String?.self),
            createdAt: try c[16].decode(Date.self), processedAt: try c[17].decode(Date?.self), reports: try c[19].decode([String].self))
    }
}
