import FacepipeCore
import Foundation
import Queue

/// The job queue as callers see it: counts and single jobs for analysts following their
/// uploads; cancelling is for admins (audited).
public struct QueueService: Sendable {
    let queue: JobQueue
    let audit: AuditService
    let policy: AccessPolicy

    public init(queue: JobQueue, audit: AuditService, policy: AccessPolicy) {
        self.queue = queue
        self.audit = audit
        self.policy = policy
    }

    public func counts(_ context: CallContext) async throws -> [QueueCount] {
        try policy.require(.readQueue, context.caller)
        return try await queue.counts()
    }

    public func job(_ id: Int64, _ context: CallContext) async throws -> JobRecord {
        try policy.require(.readQueue, context.caller)
        guard let job = try await queue.job(id, requestedBy: ownerFilter(context.caller)) else {
            throw APIError.notFound("job \(id) not found")
        }
        return redacted(job, for: context.caller)
    }

    /// Below admin, a caller follows the jobs of their own requests (issue 22): not other
    /// callers' jobs, their request ids or webhook deliveries (receivers' hosts and answers).
    func ownerFilter(_ caller: Caller) -> String? {
        policy.allows(caller, .manageJobs) ? nil : caller.id
    }

    /// What only operators need: which worker holds or failed a job, and its dedupe key.
    func redacted(_ job: JobRecord, for caller: Caller) -> JobRecord {
        guard !policy.allows(caller, .manageJobs) else { return job }
        var job = job
        job.claimedBy = nil
        job.dedupeKey = nil
        job.errorLog = job.errorLog.map { JobErrorEntry(attempt: $0.attempt, at: $0.at, error: $0.error, worker: nil) }
        return job
    }

    public func list(status: JobStatus?, kind: String?, cursor: String?, limit: Int, _ context: CallContext) async throws
        -> (items: [JobRecord], nextCursor: String?)
    {
        try policy.require(.readQueue, context.caller)
        try Paging.check(limit: limit, max: 200)
        let rows = try await queue.list(status: status, kind: kind, beforeID: try Paging.id(cursor), limit: limit + 1,
                                        requestedBy: ownerFilter(context.caller))
        let page = Paging.page(rows, limit: limit) { String($0.id) }
        return (page.items.map { redacted($0, for: context.caller) }, page.next)
    }

    public func retry(_ id: Int64, _ context: CallContext) async throws -> JobRecord {
        try policy.require(.manageJobs, context.caller)
        do {
            try await queue.retry(id)
        } catch QueueError.notFound {
            throw APIError.notFound("job \(id) not found")
        } catch QueueError.notRetryable(_, let status) {
            throw APIError.conflict("job \(id) is \(status.rawValue); only failed or cancelled jobs can be retried", code: "not_retryable")
        }
        try await audit.record(.jobRetried, context, target: "job:\(id)")
        guard let job = try await queue.job(id) else { throw APIError.notFound("job \(id) not found") }
        return job
    }

    public func cancel(_ id: Int64, _ context: CallContext) async throws -> JobRecord {
        try policy.require(.manageJobs, context.caller)
        do {
            _ = try await queue.cancel(id)
        } catch QueueError.notFound {
            throw APIError.notFound("job \(id) not found")
        } catch QueueError.notCancellable(_, let status) {
            throw APIError.conflict("job \(id) is \(status.rawValue); only queued jobs can be cancelled", code: "not_cancellable")
        }
        try await audit.record(.jobCancelled, context, target: "job:\(id)")
        guard let job = try await queue.job(id) else { throw APIError.notFound("job \(id) not found") }
        return job
    }
}
