import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Claims, completion, retries and leases.
extension JobQueue {
    /// Claims up to `limit` ready jobs of the given kinds for `worker`, highest priority first.
    /// `SKIP LOCKED` lets concurrent workers take disjoint rows without waiting on each other.
    public func claim(worker: String, kinds: [String], limit: Int, leaseSeconds: Int) async throws -> [ClaimedJob] {
        guard limit > 0, !kinds.isEmpty else { return [] }
        let rows = try await client.query(
            """
            WITH picked AS (
                SELECT id FROM jobs
                WHERE status = 'queued' AND run_at <= now() AND kind = ANY(\(kinds))
                ORDER BY priority DESC, run_at, id
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE jobs j
                SET status = 'running', attempts = j.attempts + 1, claimed_by = \(worker),
                    claimed_at = now(), lease_until = now() + make_interval(secs => \(Double(leaseSeconds))),
                    updated_at = now()
                FROM picked WHERE j.id = picked.id
                RETURNING j.id, j.kind, j.payload::text AS payload, j.image_id, j.attempts, j.max_attempts,
                          j.correlation_id, j.requested_by, j.priority, j.run_at, j.claimed_by
            ), logged AS (
                \(unescaped: TimelineRepository.eachJobRow(
                    from: "claimed", type: TimelineRepository.literal(.jobStarted),
                    data: "jsonb_build_object('kind', kind, 'attempt', attempts, 'worker', claimed_by)"))
            )
            SELECT id, kind, payload, image_id, attempts, max_attempts, correlation_id, requested_by
            FROM claimed ORDER BY priority DESC, run_at, id
            """, logger: logger)
        var jobs: [ClaimedJob] = []
        for try await (id, kind, payload, imageID, attempts, maxAttempts, correlation, requester) in rows.decode(
            (Int64, String, String, UUID?, Int, Int, String?, String?).self)
        {
            jobs.append(ClaimedJob(id: id, kind: JobKind(rawValue: kind), payload: payload, imageID: imageID,
                                   attempt: attempts, maxAttempts: maxAttempts, correlationID: correlation, requestedBy: requester))
        }
        return jobs
    }

    /// Marks jobs done. Only the lease holder can complete a job: a worker whose lease expired
    /// (and whose job was handed to someone else) changes nothing. Returns the ids completed.
    @discardableResult
    public func complete(_ ids: [Int64], worker: String) async throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        let rows = try await client.query(
            """
            WITH finished AS (
                UPDATE jobs SET status = 'done', finished_at = now(), lease_until = NULL, updated_at = now()
                WHERE id = ANY(\(ids)) AND status = 'running' AND claimed_by = \(worker)
                RETURNING id, image_id, kind, attempts, claimed_at
            ), logged AS (
                \(unescaped: TimelineRepository.eachJobRow(
                    from: "finished", type: TimelineRepository.literal(.jobDone),
                    data: "jsonb_build_object('kind', kind, 'attempt', attempts, 'ms', round(extract(epoch FROM clock_timestamp() - claimed_at) * 1000))"))
            )
            SELECT id FROM finished
            """, logger: logger)
        var done: [Int64] = []
        for try await id in rows.decode(Int64.self) { done.append(id) }
        return done
    }

    /// Records a failed attempt: back to `queued` after `retryDelayMilliseconds`, or `failed`
    /// when attempts are used up or the error is permanent. The error is appended to the log.
    @discardableResult
    public func fail(
        _ id: Int64, worker: String, error message: String, retryDelayMilliseconds: Int, permanent: Bool = false
    ) async throws -> JobStatus? {
        let rows = try await client.query(
            """
            WITH failed AS (
                UPDATE jobs SET
                    status = CASE WHEN \(permanent) OR attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                    run_at = CASE WHEN \(permanent) OR attempts >= max_attempts THEN run_at
                                  ELSE now() + make_interval(secs => \(Double(retryDelayMilliseconds) / 1000)) END,
                    finished_at = CASE WHEN \(permanent) OR attempts >= max_attempts THEN now() END,
                    error_log = error_log || jsonb_build_array(jsonb_build_object(
                        'attempt', attempts, 'at', now(), 'error', \(message), 'worker', \(worker))),
                    claimed_by = NULL, lease_until = NULL, updated_at = now()
                WHERE id = \(id) AND status = 'running' AND claimed_by = \(worker)
                RETURNING id, image_id, kind, status, attempts, run_at, \(message)::text AS error
            ), logged AS (
                \(unescaped: TimelineRepository.eachJobRow(
                    from: "failed", type: TimelineRepository.byStatus(failed: .jobFailed, otherwise: .jobRetryScheduled),
                    data: "jsonb_build_object('kind', kind, 'attempt', attempts, 'error', error, 'retry_at', run_at)"))
            )
            SELECT status FROM failed
            """, logger: logger)
        for try await status in rows.decode(String.self) { return JobStatus(rawValue: status) }
        return nil
    }

    /// Extends the leases of jobs this worker is still running. Returns the ids it still holds.
    @discardableResult
    public func heartbeat(_ ids: [Int64], worker: String, leaseSeconds: Int) async throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        let rows = try await client.query(
            """
            UPDATE jobs SET lease_until = now() + make_interval(secs => \(Double(leaseSeconds)))
            WHERE id = ANY(\(ids)) AND status = 'running' AND claimed_by = \(worker)
            RETURNING id
            """, logger: logger)
        var held: [Int64] = []
        for try await id in rows.decode(Int64.self) { held.append(id) }
        return held
    }

    /// What a reaper run did: how many jobs it took back, and those of them that had used their
    /// last attempt (failed for good: their handlers are told).
    public struct Reaped: Sendable {
        public var count: Int
        public var failed: [ClaimedJob]
    }

    /// The error a job's log and its final failure carry when its worker stopped renewing the lease.
    public static let leaseExpiredError = "lease expired: worker stopped responding"

    /// Returns jobs whose worker stopped renewing its lease (it crashed or hung) to the queue,
    /// or fails them if that was their last attempt. Safe to run from every worker at once.
    @discardableResult
    public func reapExpiredLeases() async throws -> Reaped {
        let rows = try await client.query(
            """
            WITH expired AS (
                SELECT id, claimed_by FROM jobs
                WHERE status = 'running' AND lease_until < now()
                FOR UPDATE SKIP LOCKED
            ), reaped AS (
                UPDATE jobs j SET
                    status = CASE WHEN j.attempts >= j.max_attempts THEN 'failed' ELSE 'queued' END,
                    finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END,
                    run_at = now(), claimed_by = NULL, lease_until = NULL, updated_at = now(),
                    error_log = j.error_log || jsonb_build_array(jsonb_build_object(
                        'attempt', j.attempts, 'at', now(), 'worker', expired.claimed_by,
                        'error', \(Self.leaseExpiredError)::text))
                FROM expired WHERE j.id = expired.id
                RETURNING j.id, j.image_id, j.kind, j.status, j.attempts, expired.claimed_by, j.payload::text AS payload,
                          j.max_attempts, j.correlation_id, j.requested_by
            ), logged AS (
                \(unescaped: TimelineRepository.eachJobRow(
                    from: "reaped", type: TimelineRepository.byStatus(failed: .jobFailed, otherwise: .jobLeaseExpired),
                    data: "jsonb_build_object('kind', kind, 'attempt', attempts, 'worker', claimed_by)"))
            ), notified AS (
                SELECT pg_notify(\(Self.channel), 'retry') FROM (SELECT 1 FROM reaped WHERE status = 'queued' LIMIT 1) AS r
            )
            SELECT id, kind, status, payload, image_id, attempts, max_attempts, correlation_id, requested_by,
                   (SELECT count(*) FROM notified)
            FROM reaped
            """, logger: logger)
        var reaped = Reaped(count: 0, failed: [])
        for try await (id, kind, status, payload, imageID, attempts, maxAttempts, correlation, requester, _) in rows.decode(
            (Int64, String, String, String, UUID?, Int, Int, String?, String?, Int).self)
        {
            reaped.count += 1
            guard status == JobStatus.failed.rawValue else { continue }
            reaped.failed.append(ClaimedJob(id: id, kind: JobKind(rawValue: kind), payload: payload, imageID: imageID, attempt: attempts,
                                            maxAttempts: maxAttempts, correlationID: correlation, requestedBy: requester))
        }
        return reaped
    }

    /// Cancels a queued job (a running one is left to finish: handlers are not interruptible
    /// mid-write). Cancelling a cancelled job is a no-op.
    public func cancel(_ id: Int64) async throws -> JobStatus {
        let rows = try await client.query(
            """
            WITH target AS (SELECT id, status FROM jobs WHERE id = \(id) FOR UPDATE),
            cancelled AS (
                UPDATE jobs j SET status = 'cancelled', finished_at = now(), updated_at = now()
                FROM target WHERE j.id = target.id AND target.status = 'queued'
                RETURNING j.id, j.image_id, j.kind
            ), logged AS (
                \(unescaped: TimelineRepository.eachJobRow(
                    from: "cancelled", type: TimelineRepository.literal(.jobCancelled), data: "jsonb_build_object('kind', kind)"))
            )
            SELECT target.status, (SELECT count(*) FROM cancelled) FROM target
            """, logger: logger)
        for try await (status, cancelled) in rows.decode((String, Int).self) {
            if cancelled > 0 { return .cancelled }
            let current = JobStatus(rawValue: status) ?? .failed
            if current == .cancelled { return .cancelled }
            throw QueueError.notCancellable(id, current)
        }
        throw QueueError.notFound(id)
    }

    /// Puts a failed or cancelled job back in the queue with fresh attempts (an operator's retry).
    /// Refused when another job with its dedupe key is queued or running (that one does the work).
    public func retry(_ id: Int64) async throws {
        let rows = try await client.query(
            """
            WITH target AS (SELECT id, status FROM jobs WHERE id = \(id) FOR UPDATE),
            retried AS (
                UPDATE jobs j SET status = 'queued', attempts = 0, run_at = now(), claimed_by = NULL, claimed_at = NULL,
                       lease_until = NULL, finished_at = NULL, updated_at = now()
                FROM target WHERE j.id = target.id AND target.status IN ('failed', 'cancelled')
                  AND NOT EXISTS (SELECT 1 FROM jobs other WHERE other.dedupe_key = j.dedupe_key AND other.id <> j.id
                                  AND other.status IN ('queued', 'running'))
                RETURNING j.id, j.image_id, j.kind
            ), logged AS (
                \(unescaped: TimelineRepository.eachJobRow(
                    from: "retried", type: TimelineRepository.literal(.jobQueued),
                    data: "jsonb_build_object('kind', kind, 'retry', true)"))
            ), notified AS (
                SELECT pg_notify(\(Self.channel), 'retry') FROM retried
            )
            SELECT target.status, (SELECT count(*) FROM retried), (SELECT count(*) FROM notified) FROM target
            """, logger: logger)
        for try await (status, retried, _) in rows.decode((String, Int, Int).self) {
            if retried > 0 { return }
            throw QueueError.notRetryable(id, JobStatus(rawValue: status) ?? .failed)
        }
        throw QueueError.notFound(id)
    }
}
