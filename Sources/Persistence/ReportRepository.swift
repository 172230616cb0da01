import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// All SQL for `reports`.
public struct ReportRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Creates or updates the report; nil fields keep their value. Returns the row and the status
    /// it had before (nil for a new report).
    public func upsert(_ id: String, status: String?, perpetratorName: String??, on connection: PostgresConnection) async throws
        -> (report: ReportRecord, previousStatus: String?)
    {
        let previous = try await connection.query("SELECT status FROM reports WHERE id = \(id) FOR UPDATE", logger: logger)
        var previousStatus: String?
        for try await status in previous.decode(String.self) { previousStatus = status }
        let setName = perpetratorName != nil
        let name = perpetratorName ?? nil
        try await connection.query(
            """
            INSERT INTO reports (id, status, perpetrator_name) VALUES (\(id), coalesce(\(status), 'pending'), \(name))
            ON CONFLICT (id) DO UPDATE SET
                status = coalesce(\(status), reports.status),
                perpetrator_name = CASE WHEN \(setName) THEN EXCLUDED.perpetrator_name ELSE reports.perpetrator_name END,
                updated_at = now()
            """, logger: logger)
        guard let report = try await find(id, on: connection) else { throw APIError.notFound("report \(id) not found") }
        return (report, previousStatus)
    }

    public func find(_ id: String) async throws -> ReportRecord? {
        try await client.withConnection { try await find(id, on: $0) }
    }

    func find(_ id: String, on connection: PostgresConnection) async throws -> ReportRecord? {
        let rows = try await connection.query(
            """
            SELECT id, status, perpetrator_name, updated_at, (SELECT count(*) FROM image_reports WHERE report_id = reports.id)
            FROM reports WHERE id = \(id)
            """, logger: logger)
        for try await row in rows.decode((String, String, String?, Date, Int).self) {
            return ReportRecord(id: row.0, status: row.1, perpetratorName: row.2, updatedAt: row.3, imageCount: row.4)
        }
        return nil
    }

    /// Most recently changed first.
    public func list(limit: Int) async throws -> [ReportRecord] {
        let rows = try await client.query(
            """
            SELECT id, status, perpetrator_name, updated_at, (SELECT count(*) FROM image_reports WHERE report_id = reports.id)
            FROM reports ORDER BY updated_at DESC, id LIMIT \(limit)
            """, logger: logger)
        var reports: [ReportRecord] = []
        for try await row in rows.decode((String, String, String?, Date, Int).self) {
            reports.append(ReportRecord(id: row.0, status: row.1, perpetratorName: row.2, updatedAt: row.3, imageCount: row.4))
        }
        return reports
    }

    /// The ids of the report's images, newest first, and for each how many reports it is in.
    public func images(of id: String, limit: Int = 10_000) async throws -> [(image: UUID, reports: Int)] {
        var images: [(UUID, Int)] = []
        let rows = try await client.query(
            """
            SELECT r.image_id, (SELECT count(*) FROM image_reports o WHERE o.image_id = r.image_id)
            FROM image_reports r WHERE r.report_id = \(id) ORDER BY r.added_at DESC LIMIT \(limit)
            """, logger: logger)
        for try await row in rows.decode((UUID, Int).self) { images.append(row) }
        return images
    }

    /// Deletes the report row (its name and state); false when there was none.
    public func delete(_ id: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("DELETE FROM reports WHERE id = \(id) RETURNING id", logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
