import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// Read-only views of the queue for the API and metrics.
extension JobQueue {
    public func job(_ id: Int64) async throws -> JobRecord? {
        let rows = try await client.query(
            """
            SELECT id, kind, status, image_id, priority, attempts, max_attempts, run_at, claimed_by, lease_until,
                   dedupe_key, correlation_id, error_log::text, created_at, finished_at
            FROM jobs WHERE id = \(id)
            """, logger: logger)
        for try await row in rows.decode(
            (Int64, String, String, UUID?, Int, Int, Int, Date, String?, Date?, String?, String?, String, Date, Date?).self)
        {
            let errors = (try? JSONDecoder().decode([JobErrorEntry].self, from: Data(row.12.utf8))) ?? []
            return JobRecord(
                id: row.0, kind: row.1, status: JobStatus(rawValue: row.2) ?? .failed, imageID: row.3, priority: row.4,
                attempts: row.5, maxAttempts: row.6, runAt: row.7, claimedBy: row.8, leaseUntil: row.9,
                dedupeKey: row.10, correlationID: row.11, errorLog: errors, createdAt: row.13, finishedAt: row.14)
        }
        return nil
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
