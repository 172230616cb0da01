import FacepipeCore
import Foundation
import Logging
import PostgresNIO
import Metrics
import ServiceLifecycle

/// Claims and runs jobs with bounded concurrency. One per worker process.
///
/// Wake-ups come from LISTEN (instant), from finished jobs (a slot freed) and from a poll
/// timer (a lost notification never stalls the queue). The same timer reclaims expired
/// leases. On graceful shutdown the pool stops claiming and waits for running jobs.
public final class WorkerPool: Service {
    public let workerID: String
    private let queue: JobQueue
    private let handlers: JobHandlerRegistry
    private let config: QueueConfig
    private let logger: Logger
    private let doorbell = Doorbell()
    private let inFlight = InFlightJobs()
    private let completions: CompletionBatcher
    /// LISTEN is subscribed (set after the catch-up ring that follows each subscription).
    private let listening = Locked(false)

    public init(queue: JobQueue, handlers: JobHandlerRegistry, config: QueueConfig, logger: Logger, workerID: String? = nil) {
        self.queue = queue
        self.handlers = handlers
        self.config = config
        let id = workerID ?? WorkerPool.makeWorkerID()
        self.workerID = id
        self.completions = CompletionBatcher { [queue] ids in try await queue.complete(ids, worker: id) }
        var logger = logger
        logger[metadataKey: "worker_id"] = .string(self.workerID)
        self.logger = logger
    }

    /// LISTEN is subscribed and the claim loop waits with no wake-up pending: from now on a job
    /// queued is found because its NOTIFY rings the doorbell (or at the next poll). Tests wait
    /// for this instead of sleeping "to give the listener time".
    public var isIdleAndListening: Bool {
        get async { listening.withLock { $0 } ? await doorbell.isWaiting : false }
    }

    /// `host:pid:random`, so an operator can tell which process holds a job.
    public static func makeWorkerID() -> String {
        let host = ProcessInfo.processInfo.hostName
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(suffix)"
    }

    public func run() async throws {
        let kinds = handlers.kinds
        logger.info("worker started", metadata: ["kinds": "\(kinds.joined(separator: ","))", "concurrency": "\(config.concurrency)"])
        await withTaskGroup(of: Void.self) { background in
            background.addTask { await self.listenForNotifications() }
            background.addTask { await self.renewLeases() }
            await withGracefulShutdownHandler {
                await self.claimLoop(kinds: kinds)
            } onGracefulShutdown: {
                Task { await self.doorbell.ring() }
            }
            background.cancelAll()
        }
        logger.info("worker stopped")
    }

    private func claimLoop(kinds: [String]) async {
        let poll = Duration.milliseconds(config.pollIntervalMilliseconds)
        var lastReap = ContinuousClock.now - poll
        await withDiscardingTaskGroup { jobs in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                if ContinuousClock.now - lastReap >= poll {
                    lastReap = ContinuousClock.now
                    await reapExpiredLeases()
                }
                let free = config.concurrency - (await inFlight.count)
                var claimed: [ClaimedJob] = []
                if free > 0 {
                    do {
                        claimed = try await queue.claim(worker: workerID, kinds: kinds, limit: free, leaseSeconds: config.leaseSeconds)
                    } catch {
                        logger.error("claim failed", metadata: ["error": "\(String(reflecting: error))"])
                    }
                }
                for job in claimed {
                    await inFlight.insert(job.id)
                    jobs.addTask { await self.execute(job) }
                }
                // A full batch means more may be waiting: claim again straight away.
                if free > 0 && claimed.count == free { continue }
                await doorbell.wait(timeout: poll)
            }
            // Leaving the group waits for the jobs already running: that is the drain.
            let running = await inFlight.count
            if running > 0 { logger.info("draining running jobs", metadata: ["count": "\(running)"]) }
        }
    }

    private func execute(_ job: ClaimedJob) async {
        var jobLogger = logger
        jobLogger[metadataKey: "job_id"] = .stringConvertible(job.id)
        jobLogger[metadataKey: "job_kind"] = .string(job.kind.rawValue)
        if let requestID = job.correlationID { jobLogger[metadataKey: "request_id"] = .string(requestID) }
        if let caller = job.requestedBy { jobLogger[metadataKey: "caller"] = .string(caller) }
        let start = ContinuousClock.now
        QueueMetrics.inFlight.increment()
        defer { QueueMetrics.inFlight.decrement() }
        do {
            guard let handler = handlers.handler(for: job.kind) else {
                throw PermanentJobError("no handler for job kind \(job.kind)")
            }
            let context = JobContext(logger: jobLogger, workerID: workerID)
            // A hung decode or inference must not hold the slot for good: past the kind's
            // timeout the attempt is cancelled (native calls on ImagingThreads are abandoned,
            // not waited for) and the job goes back to the queue like any failed attempt. If
            // the abandoned work ever ends, its writes are harmless: handlers are idempotent
            // and only the lease holder may complete the job.
            let timeout = config.timeout(for: job.kind)
            do {
                try await withTimeout(timeout.limit) { try await handler.handle(job, context: context) }
            } catch is TimeoutError {
                QueueMetrics.timeouts(kind: job.kind).increment()
                throw JobTimedOut(kind: job.kind, limit: timeout.limit, setting: timeout.setting)
            }
            let held = try await finish { try await self.completions.complete(job.id) }
            if !held { jobLogger.warning("job finished after its lease was lost; another worker owns it now") }
            QueueMetrics.duration(kind: job.kind).recordInterval(since: start)
            QueueMetrics.outcome(kind: job.kind, outcome: "done").increment()
            jobLogger.debug("job done")
        } catch {
            let permanent = error is PermanentJobError
            let delay = config.backoff.delayMilliseconds(attempt: job.attempt)
            let message = String(describing: error)
            var status = try? await finish {
                try await self.queue.fail(job.id, worker: self.workerID, error: message,
                                          retryDelayMilliseconds: delay, permanent: permanent)
            }
            if status == nil, let row = try? await queue.job(job.id), row.status == .failed,
               let last = row.errorLog.last, last.worker == workerID, last.attempt == job.attempt {
                // A retried `fail` whose first try had committed (its reply was lost): the job
                // is failed by this attempt, and the handler must hear it.
                status = .failed
            }
            QueueMetrics.duration(kind: job.kind).recordInterval(since: start)
            if status == .queued {
                QueueMetrics.retries(kind: job.kind).increment()
                jobLogger.warning("job failed, will retry", metadata: ["error": "\(message)", "attempt": "\(job.attempt)", "retry_in_ms": "\(delay)"])
            } else {
                QueueMetrics.failures(kind: job.kind).increment()
                QueueMetrics.outcome(kind: job.kind, outcome: "failed").increment()
                jobLogger.error("job failed", metadata: ["error": "\(message)", "attempt": "\(job.attempt)"])
                // Only once the queue says so (nil: the outcome was not recorded, the lease
                // expires and the reaper decides).
                if status == .failed { await failedForGood(job, error: message, logger: jobLogger) }
            }
        }
        await inFlight.remove(job.id)
        await doorbell.ring()
    }

    /// Recording an outcome must survive a blip in the database: retry a few times, then leave
    /// the job to lease expiry (it runs again; handlers are idempotent).
    private func finish<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch {
                attempt += 1
                if attempt >= 5 {
                    logger.error("could not record job outcome", metadata: ["error": "\(String(reflecting: error))"])
                    throw error
                }
                try? await Task.sleep(for: .milliseconds(100 * attempt))
            }
        }
    }

    private func reapExpiredLeases() async {
        do {
            let reaped = try await queue.reapExpiredLeases()
            if reaped.count > 0 {
                QueueMetrics.leasesReaped.increment(by: reaped.count)
                logger.warning("reclaimed jobs with expired leases", metadata: ["count": "\(reaped.count)"])
            }
            for job in reaped.failed {
                await failedForGood(job, error: JobQueue.leaseExpiredError, logger: logger)
            }
        } catch {
            logger.error("lease reaper failed", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// Tells the job's handler that it failed for good (no handler here: another kind of worker
    /// queued it, and its subject keeps its last state; the job row says `failed`).
    private func failedForGood(_ job: ClaimedJob, error: String, logger: Logger) async {
        guard let handler = handlers.handler(for: job.kind) else { return }
        do {
            try await handler.failedForGood(job, error: error, context: JobContext(logger: logger, workerID: workerID))
        } catch {
            logger.error("could not record a job's final failure", metadata: ["job_id": "\(job.id)", "error": "\(String(reflecting: error))"])
        }
    }

    /// Keeps leases of running jobs alive; a third of the lease leaves room for two misses.
    private func renewLeases() async {
        let interval = Duration.milliseconds(max(100, config.leaseSeconds * 1000 / 3))
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: interval)) != nil else { return }
            let ids = await inFlight.ids
            guard !ids.isEmpty else { continue }
            do {
                let held = try await queue.heartbeat(ids, worker: workerID, leaseSeconds: config.leaseSeconds)
                if held.count < ids.count {
                    logger.warning("lost leases (jobs reclaimed or cancelled)", metadata: ["ids": "\(Set(ids).subtracting(held).sorted())"])
                }
            } catch {
                logger.error("lease renewal failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    /// LISTEN on a dedicated pooled connection; reconnects after errors.
    private func listenForNotifications() async {
        while !Task.isCancelled {
            do {
                try await queue.client.withConnection { connection in
                    try await connection.listen(on: JobQueue.channel) { notifications in
                        // Jobs may have been queued while we were not listening.
                        await self.doorbell.ring()
                        self.listening.withLock { $0 = true }
                        defer { self.listening.withLock { $0 = false } }
                        for try await _ in notifications { await self.doorbell.ring() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("LISTEN connection lost; polling until it is back", metadata: ["error": "\(String(reflecting: error))"])
            }
            guard (try? await Task.sleep(for: .seconds(1))) != nil else { return }
        }
    }
}

/// An attempt ended by its kind's processing timeout.
struct JobTimedOut: Error, CustomStringConvertible {
    let kind: JobKind
    let limit: Duration
    let setting: String
    var description: String {
        let milliseconds = limit.components.seconds * 1000 + limit.components.attoseconds / 1_000_000_000_000_000
        let shown = milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
        return "\(kind) timed out after \(shown) (\(setting)); the work was abandoned"
    }
}

/// Ids of the jobs this process is running.
actor InFlightJobs {
    private var running = Set<Int64>()
    var count: Int { running.count }
    var ids: [Int64] { Array(running) }
    func insert(_ id: Int64) { running.insert(id) }
    func remove(_ id: Int64) { running.remove(id) }
}

extension Metrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
