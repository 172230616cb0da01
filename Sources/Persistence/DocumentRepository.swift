import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// All SQL for `documents`, their reports and `document_pages`.
public struct DocumentRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Inserts a stored document (in the caller's transaction) → its id, or the id of the
    /// document with the same bytes uploaded before (nothing inserted then).
    public func insert(_ document: DocumentRecord, on connection: PostgresConnection) async throws -> (id: UUID, inserted: Bool) {
        let rows = try await connection.query(
            """
            WITH inserted AS (
                INSERT INTO documents (id, sha256, mime, bytes, page_count, original_key, report_id, requested_by)
                VALUES (\(document.id), \(document.sha256), \(document.mime), \(document.bytes), \(document.pageCount),
                        \(document.originalKey), \(document.reports.first), \(document.requestedBy))
                ON CONFLICT (sha256) DO NOTHING
                RETURNING id
            )
            SELECT id, true FROM inserted
            UNION ALL
            SELECT id, false FROM documents WHERE sha256 = \(document.sha256) AND NOT EXISTS (SELECT 1 FROM inserted)
            """, logger: logger)
        for try await (id, inserted) in rows.decode((UUID, Bool).self) { return (id, inserted) }
        throw APIError(status: 409, code: "upload_in_progress", message: "the same file is being uploaded right now; retry shortly")
    }

    /// Puts the document in `report` (and its pages, when rendered); true when the link is new.
    public func add(_ id: UUID, to report: String, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("INSERT INTO reports (id) VALUES (\(report)) ON CONFLICT (id) DO NOTHING", logger: logger)
        let rows = try await connection.query(
            """
            INSERT INTO document_reports (document_id, report_id) VALUES (\(id), \(report))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    public func find(_ id: UUID) async throws -> DocumentRecord? {
        let rows = try await client.query("SELECT \(unescaped: Self.columns) FROM documents d WHERE id = \(id)", logger: logger)
        for try await row in rows { return try Self.record(row) }
        return nil
    }

    public func findBySHA256(_ sha256: String) async throws -> DocumentRecord? {
        let rows = try await client.query("SELECT \(unescaped: Self.columns) FROM documents d WHERE sha256 = \(sha256)", logger: logger)
        for try await row in rows { return try Self.record(row) }
        return nil
    }

    /// Page number → image id, in page order.
    public func pages(of id: UUID) async throws -> [(page: Int, imageID: UUID)] {
        let rows = try await client.query(
            "SELECT page_number, image_id FROM document_pages WHERE document_id = \(id) ORDER BY page_number", logger: logger)
        var pages: [(Int, UUID)] = []
        for try await (page, image) in rows.decode((Int, UUID).self) { pages.append((page, image)) }
        return pages
    }

    /// The documents each image is a page of (for list and detail answers).
    public func pagesOf(images: [UUID]) async throws -> [UUID: (documentID: UUID, page: Int)] {
        guard !images.isEmpty else { return [:] }
        let rows = try await client.query(
            "SELECT image_id, document_id, page_number FROM document_pages WHERE image_id = ANY(\(images)::uuid[])", logger: logger)
        var result: [UUID: (UUID, Int)] = [:]
        for try await (image, document, page) in rows.decode((UUID, UUID, Int).self) { result[image] = (document, page) }
        return result
    }

    /// Records that `imageID` is page `page` (idempotent: a re-run keeps the first).
    public func recordPage(_ id: UUID, page: Int, imageID: UUID, dpi: Double?, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO document_pages (document_id, page_number, image_id, dpi) VALUES (\(id), \(page), \(imageID), \(dpi.map(Float.init)))
            ON CONFLICT (document_id, page_number) DO NOTHING
            """, logger: logger)
    }

    public func markStatus(_ id: UUID, _ status: ImageStatus, error: String? = nil) async throws {
        try await client.query(
            """
            UPDATE documents SET status = \(status.rawValue), error = \(error),
                rendered_at = CASE WHEN \(status.rawValue) = 'done' THEN clock_timestamp() ELSE rendered_at END
            WHERE id = \(id)
            """, logger: logger)
    }

    /// Deletes the row (pages' links go with it; the page images are erased by the caller).
    public func delete(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM documents WHERE id = \(id)", logger: logger)
    }

    static let columns = """
        id, sha256, mime, bytes, page_count, original_key, \
        coalesce((SELECT array_agg(report_id ORDER BY added_at) FROM document_reports r WHERE r.document_id = d.id), '{}'), \
        status, error, requested_by, created_at, rendered_at
        """

    static func record(_ row: PostgresRow) throws -> DocumentRecord {
        let c = row.makeRandomAccess()
        return DocumentRecord(
            id: try c[0].decode(UUID.self), sha256: try c[1].decode(String.self), mime: try c[2].decode(String.self),
            bytes: try c[3].decode(Int64.self), pageCount: try c[4].decode(Int.self), originalKey: try c[5].decode(String.self),
            reports: try c[6].decode([String].self), status: ImageStatus(rawValue: try c[7].decode(String.self)) ?? .failed,
            error: try c[8].decode(String?.self), requestedBy: try c[9].decode(String?.self), createdAt: try c[10].decode(Date.self),
            renderedAt: try c[11].decode(Date?.self))
    }
}
