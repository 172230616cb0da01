import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// Read-only views of the queue for the API and metrics.
extension JobQueue {
    static let recordColumns = """
        id, kind, status, image_id, priority, attempts, max_attempts, run_at, claimed_by, lease_until,
        dedupe_key, correlation_id, error_log::text, created_at, finished_at
        """

    /// - Parameter requestedBy: only a job asked for by this caller (nil: any).
    public func job(_ id: Int64, requestedBy: String? = nil) async throws -> JobRecord? {
        try await records(
            """
            SELECT \(unescaped: Self.recordColumns) FROM jobs
            WHERE id = \(id) AND (\(requestedBy)::text IS NULL OR (requested_by = \(requestedBy) AND kind <> 'webhook'))
            """).first
    }

    /// Jobs newest first, optionally of one status and kind; `beforeID` is the cursor.
    /// - Parameter requestedBy: only jobs asked for by this caller, webhook deliveries never
    ///   (nil: every job).
    public func list(status: JobStatus?, kind: String?, beforeID: Int64?, limit: Int, requestedBy: String? = nil) async throws
        -> [JobRecord]
    {
        let status = status?.rawValue
        return try await records(
            """
            SELECT \(unescaped: Self.recordColumns) FROM jobs
            WHERE (\(status)::text IS NULL OR status = \(status)) AND (\(kind)::text IS NULL OR kind = \(kind))
              AND (\(beforeID)::int8 IS NULL OR id < \(beforeID))
              AND (\(requestedBy)::text IS NULL OR (requested_by = \(requestedBy) AND kind <> 'webhook'))
            ORDER BY id DESC LIMIT \(limit)
            """)
    }

    private func records(_ query: PostgresQuery) async throws -> [JobRecord] {
        var jobs: [JobRecord] = []
        for try await row in try await client.query(query, logger: logger).decode(
            (Int64, String, String, UUID?, Int, Int, Int, Date, String?, Date?, String?, String?, String, Date, Date?).self)
        {
            let errors = (try? JSONDecoder().decode([JobErrorEntry].self, from: Data(row.12.utf8))) ?? []
            jobs.append(JobRecord(
                id: row.0, kind: row.1, status: JobStatus(rawValue: row.2) ?? .failed, imageID: row.3, priority: row.4,
                attempts: row.5, maxAttempts: row.6, runAt: row.7, claimedBy: row.8, leaseUntil: row.9,
                dedupeKey: row.10, correlationID: row.11, errorLog: errors, createdAt: row.13, finishedAt: row.14))
        }
        return jobs
    }

    /// Jobs per kind and status.
    public func counts() async throws -> [QueueCount] {
        let rows = try await client.query(
            "SELECT kind, status, count(*) FROM jobs GROUP BY kind, status ORDER BY kind, status", logger: logger)
        var counts: [QueueCount] = []
        for try await (kind, status, count) in rows.decode((String, String, Int).self) {
            if let status = JobStatus(rawValue: status) {
                counts.append(QueueCount(kind: kind, status: status, count: count))
            }
        }
        return counts
    }
}
