import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO

/// The PostgreSQL job queue. All SQL for the `jobs` table lives here.
///
/// Every state change also writes an `events` row in the same statement (a data-modifying CTE),
/// so the timeline can never disagree with the queue. Enqueues `NOTIFY jobs_channel`, which
/// PostgreSQL delivers at commit: a worker is never woken for a job it cannot see yet.
public struct JobQueue: Sendable {
    public static let channel = "jobs_channel"

    public let client: DatabaseClient
    public let defaultMaxAttempts: Int
    let logger: Logger

    public init(client: DatabaseClient, defaultMaxAttempts: Int = 5, logger: Logger) {
        self.client = client
        self.defaultMaxAttempts = defaultMaxAttempts
        self.logger = logger
    }

    // MARK: Enqueue

    /// Enqueues inside the caller's transaction, so a job exists exactly when the row that needs
    /// it does. The notification goes out when that transaction commits.
    @discardableResult
    public func enqueue(_ job: NewJob, on connection: PostgresConnection) async throws -> EnqueueResult {
        try await enqueue([job], on: connection)[0]
    }

    /// Enqueues many jobs with one statement (in the caller's transaction).
    public func enqueue(_ jobs: [NewJob], on connection: PostgresConnection) async throws -> [EnqueueResult] {
        guard !jobs.isEmpty else { return [] }
        let kinds = jobs.map(\.kind.rawValue)
        let payloads = jobs.map(\.payload)
        let images = jobs.map { $0.imageID?.uuidString ?? "" }
        let priorities = jobs.map(\.priority)
        let runAts = jobs.map { $0.runAt.map { $0.timeIntervalSince1970 } ?? 0 }
        let attempts = jobs.map { $0.maxAttempts ?? defaultMaxAttempts }
        let keys = jobs.map { $0.dedupeKey ?? "" }
        let correlations = jobs.map { $0.correlationID ?? "" }
        let requesters = jobs.map { $0.requestedBy ?? "" }
        // Ids are drawn before the insert so each result maps back to its input row;
        // ON CONFLICT skips keys that already have an active job.
        let rows = try await connection.query(
            """
            WITH input AS (
                SELECT t.*, nextval('jobs_id_seq') AS new_id
                FROM unnest(\(kinds)::text[], \(payloads)::text[], \(images)::text[], \(priorities)::int8[],
                            \(runAts)::float8[], \(attempts)::int8[], \(keys)::text[], \(correlations)::text[],
                            \(requesters)::text[])
                    WITH ORDINALITY AS t(kind, payload, image_id, priority, run_at, max_attempts, dedupe_key, correlation_id,
                                         requested_by, ord)
            ), inserted AS (
                INSERT INTO jobs (id, kind, payload, image_id, priority, run_at, max_attempts, dedupe_key, correlation_id,
                                  requested_by)
                SELECT new_id, kind, payload::jsonb, NULLIF(image_id, '')::uuid, priority,
                       CASE WHEN run_at = 0 THEN now() ELSE to_timestamp(run_at) END,
                       max_attempts, NULLIF(dedupe_key, ''), NULLIF(correlation_id, ''), NULLIF(requested_by, '')
                FROM input ORDER BY ord
                ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running') DO NOTHING
                RETURNING id, image_id, kind, correlation_id
            ), logged AS (
                \(unescaped: TimelineRepository.eachJobRow(
                    from: "inserted", type: TimelineRepository.literal(.jobQueued),
                    data: "jsonb_strip_nulls(jsonb_build_object('kind', kind, 'request_id', correlation_id))"))
            ), notified AS (
                SELECT pg_notify(\(Self.channel), 'new') FROM (SELECT 1 FROM inserted LIMIT 1) AS any_inserted
            )
            SELECT inserted.id, existing.id, (SELECT count(*) FROM notified)
            FROM input
            LEFT JOIN inserted ON inserted.id = input.new_id
            LEFT JOIN LATERAL (
                SELECT j.id FROM jobs j
                WHERE inserted.id IS NULL AND j.dedupe_key = NULLIF(input.dedupe_key, '')
                  AND j.status IN ('queued', 'running')
                LIMIT 1
            ) AS existing ON true
            ORDER BY input.ord
            """, logger: logger)
        var results: [EnqueueResult] = []
        results.reserveCapacity(jobs.count)
        var index = 0
        for try await (insertedID, existingID, _) in rows.decode((Int64?, Int64?, Int64).self) {
            defer { index += 1 }
            if let id = insertedID {
                results.append(.enqueued(id))
            } else if let existing = existingID {
                results.append(.duplicate(existing: existing))
            } else if let key = jobs[index].dedupeKey,
                      let earlier = zip(jobs[..<index], results).first(where: { $0.0.dedupeKey == key })?.1
            {
                // The same key twice in one batch: the statement cannot see its own insert.
                results.append(.duplicate(existing: earlier.jobID))
            } else {
                // The matching row belongs to a concurrent transaction that has not committed yet.
                throw QueueError.dedupeRace(key: jobs[index].dedupeKey ?? "")
            }
        }
        return results
    }

    /// Enqueues in a transaction of its own.
    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        try await client.withTransaction(logger: logger) { try await enqueue(job, on: $0) }
    }

    public func enqueue(_ jobs: [NewJob]) async throws -> [EnqueueResult] {
        try await client.withTransaction(logger: logger) { try await enqueue(jobs, on: $0) }
    }
}

public enum QueueError: Error, CustomStringConvertible, Equatable {
    case dedupeRace(key: String)
    case notFound(Int64)
    case notCancellable(Int64, JobStatus)
    case notRetryable(Int64, JobStatus)

    public var description: String {
        switch self {
        case .dedupeRace(let key): "another transaction is enqueuing a job with dedupe key \(key); try again"
        case .notFound(let id): "job \(id) not found"
        case .notCancellable(let id, let status): "job \(id) is \(status.rawValue) and cannot be cancelled"
        case .notRetryable(let id, let status): "job \(id) is \(status.rawValue); only failed or cancelled jobs can be retried"
        }
    }
}
