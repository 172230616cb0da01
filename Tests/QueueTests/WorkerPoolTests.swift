import FacepipeCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Persistence
import PostgresNIO
import Queue
import ServiceLifecycle
import Testing
import TestSupport

/// The worker pool end to end: real PostgreSQL, real LISTEN/NOTIFY, real processes.
@Suite struct WorkerPoolTests {
    let logger = TestDatabase.logger

    @Test func concurrentWorkersNeverRunOneJobTwiceAtOnce() async throws {
        try await TestDatabase.withScratchDatabase(poolSize: 20) { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let tracker = RunTracker()
            var handlers = JobHandlerRegistry()
            handlers.register("t.tracked", TrackingHandler(tracker: tracker))
            // Exclusive claims are the point here; a lease that lapses because a starved machine
            // missed its heartbeats hands a job on by design, so the lease is made long.
            let pools = (0..<3).map { index in
                WorkerPool(queue: queue, handlers: handlers, config: QueueConfig(concurrency: 4, pollIntervalMilliseconds: 100, leaseSeconds: 600),
                           logger: logger, workerID: "pool-\(index)")
            }
            let ids = try await queue.enqueue((0..<150).map { _ in NewJob(kind: "t.tracked") }).map(\.jobID)
            try await run(pools) {
                let finished = try await eventually { try await count(client, "SELECT count(*) FROM jobs WHERE status = 'done'") == 150 }
                #expect(finished)
            }
            let report = await tracker.report()
            #expect(report.overlaps.isEmpty)
            #expect(Set(report.runs.keys) == Set(ids))
            #expect(report.runs.values.allSatisfy { $0 == 1 })
            #expect(report.workers.count == 3)
        }
    }

    @Test func notifyWakesAnIdleWorkerWithoutPolling() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            var handlers = JobHandlerRegistry()
            handlers.registerDiagnostics()
            let pool = WorkerPool(queue: queue, handlers: handlers,
                                  config: QueueConfig(concurrency: 1, pollIntervalMilliseconds: 600_000), logger: logger)
            try await run([pool]) {
                // LISTEN subscribed and the start-up claims done: only a NOTIFY can wake the pool
                // now (the next poll is ten minutes away).
                try #require(try await eventually { await pool.isIdleAndListening })
                let id = try await queue.enqueue(NewJob(kind: .diagnosticNoop)).jobID
                let finished = try await eventually { try await queue.job(id)?.status == .done }
                #expect(finished)
            }
        }
    }

    @Test func failedJobsRetryWithGrowingBackoffThenSucceed() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            var handlers = JobHandlerRegistry()
            handlers.registerDiagnostics()
            let config = QueueConfig(concurrency: 2, pollIntervalMilliseconds: 50, maxAttempts: 5,
                                     backoff: Backoff(baseMilliseconds: 100, maxMilliseconds: 10_000))
            let pool = WorkerPool(queue: queue, handlers: handlers, config: config, logger: logger)
            let id = try await queue.enqueue(try NewJob(kind: .diagnosticSleep, payload: SleepJobHandler.Payload(ms: 0, failTimes: 3))).jobID
            try await run([pool]) {
                let finished = try await eventually { try await queue.job(id)?.status == .done }
                #expect(finished)
            }
            let job = try #require(try await queue.job(id))
            #expect(job.attempts == 4)
            #expect(job.errorLog.map(\.error) == (1...3).map { "diagnostic failure on attempt \($0)" })
            // Scheduled delays (retry_at − the failure's time, both `now()` of the transaction that
            // recorded it, so a slow machine does not shorten them) grow with each attempt.
            let delays = try await retryDelays(client, job: id)
            #expect(delays.count == 3)
            #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 < $1 })
            #expect(delays[0] >= 0.045 && delays[2] <= 0.41)
        }
    }

    @Test func jobOverMaxAttemptsEndsFailedWithItsErrors() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            var handlers = JobHandlerRegistry()
            handlers.registerDiagnostics()
            let config = QueueConfig(concurrency: 1, pollIntervalMilliseconds: 50, backoff: Backoff(baseMilliseconds: 10, maxMilliseconds: 20))
            let pool = WorkerPool(queue: queue, handlers: handlers, config: config, logger: logger)
            let id = try await queue.enqueue(
                try NewJob(kind: .diagnosticSleep, payload: SleepJobHandler.Payload(ms: 0, failTimes: 100), maxAttempts: 3)).jobID
            try await run([pool]) {
                let finished = try await eventually { try await queue.job(id)?.status == .failed }
                #expect(finished)
            }
            let job = try #require(try await queue.job(id))
            #expect(job.attempts == 3)
            #expect(job.errorLog.count == 3)
            #expect(job.errorLog.last?.error == "diagnostic failure on attempt 3")
            #expect(try await eventTypes(client, job: id).last == "job.failed")
        }
    }

    /// The handler hears once, from the pool, that a job failed for good — a permanent error at
    /// once, an ordinary one after its last attempt — and never about a job that recovered.
    @Test func theHandlerHearsOfAFinalFailureOnceAndOnlyThen() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let heard = FinalFailures()
            var handlers = JobHandlerRegistry()
            handlers.register("t.doomed", DoomedHandler(heard: heard))
            let config = QueueConfig(concurrency: 2, pollIntervalMilliseconds: 50, backoff: Backoff(baseMilliseconds: 10, maxMilliseconds: 20))
            let pool = WorkerPool(queue: queue, handlers: handlers, config: config, logger: logger)
            let permanent = try await queue.enqueue(NewJob(kind: "t.doomed", payload: #"{"mode":"permanent"}"#, maxAttempts: 5)).jobID
            let exhausted = try await queue.enqueue(NewJob(kind: "t.doomed", payload: #"{"mode":"always"}"#, maxAttempts: 3)).jobID
            let recovers = try await queue.enqueue(NewJob(kind: "t.doomed", payload: #"{"mode":"once"}"#, maxAttempts: 3)).jobID
            try await run([pool]) {
                let settled = try await eventually {
                    let heardBoth = await heard.calls.count == 2
                    return try await queue.job(recovers)?.status == .done && heardBoth
                }
                #expect(settled)
            }
            let calls = await heard.calls
            #expect(calls.map(\.id).sorted() == [permanent, exhausted].sorted())
            #expect(calls.first { $0.id == permanent }?.attempt == 1 && calls.first { $0.id == permanent }?.error == "doomed for good")
            #expect(calls.first { $0.id == exhausted }?.attempt == 3 && calls.first { $0.id == exhausted }?.error == "failed attempt 3")
            #expect(try await queue.job(permanent)?.status == .failed)
            #expect(try await queue.job(exhausted)?.status == .failed)
        }
    }

    /// A hung attempt (a blocking call that never looks at cancellation, like a stuck native
    /// decode) is ended by its kind's timeout: the job is retried or failed with a clear error,
    /// and the slot is free for the next job while the hung call is still blocked.
    @Test func aHungAttemptIsEndedByTheTimeoutAndFreesTheSlot() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let threads = AbandonableThreadPool(name: "t", size: 1)
            var handlers = JobHandlerRegistry()
            handlers.registerDiagnostics()
            // The hang stands in for a stuck decode, so it runs as an image job: the short limit
            // (IMAGE_PROCESSING_TIMEOUT) is for image kinds only, and the no-op job below keeps
            // JOB_TIMEOUT's ten minutes however long a starved machine takes to run it.
            let release = DispatchSemaphore(value: 0)
            // The hung calls end when the test is over, not after some time that a starved
            // machine could let pass before the check below.
            defer { release.signal(); release.signal() }
            handlers.register(.processImage, HangingHandler(threads: threads, release: release))
            let config = QueueConfig(concurrency: 1, pollIntervalMilliseconds: 50, backoff: Backoff(baseMilliseconds: 10, maxMilliseconds: 20),
                                     imageProcessingTimeout: .milliseconds(400))
            let pool = WorkerPool(queue: queue, handlers: handlers, config: config, logger: logger)
            let hung = try await queue.enqueue(NewJob(kind: .processImage, maxAttempts: 2)).jobID
            try await run([pool]) {
                #expect(try await eventually { try await queue.job(hung)?.status == .failed })
                let next = try await queue.enqueue(NewJob(kind: .diagnosticNoop)).jobID
                #expect(try await eventually { try await queue.job(next)?.status == .done })
                // Both hung calls are still blocked, yet the only slot ran the next job.
                #expect(threads.abandonedRunning == 2)
            }
            let job = try #require(try await queue.job(hung))
            #expect(job.attempts == 2)
            #expect(job.errorLog.map(\.error) == Array(repeating: "process_image timed out after 400 ms (IMAGE_PROCESSING_TIMEOUT); the work was abandoned", count: 2))
            #expect(threads.abandonedTotal == 2)
        }
    }

    @Test func jobOfAKilledWorkerIsRetriedAndCompletes() async throws {
        try await TestDatabase.withScratchDatabase { url, client in
            let queue = JobQueue(client: client, logger: logger)
            // Slow only on its first attempt, so the retry finishes quickly.
            let id = try await queue.enqueue(
                try NewJob(kind: .diagnosticSleep, payload: SleepJobHandler.Payload(ms: 120_000, slowAttempts: 1))).jobID
            // A short lease, so the victim's claim lapses soon after it is killed.
            let worker = try WorkerProcess.start(databaseURL: url, leaseSeconds: 2)
            defer { worker.kill(SIGKILL) }
            let finished = try await eventually { try await queue.job(id)?.status == .running }
                #expect(finished)
            let victim = try #require(try await queue.job(id)?.claimedBy)
            worker.kill(SIGKILL)
            try await worker.exited()

            var handlers = JobHandlerRegistry()
            handlers.registerDiagnostics()
            // A long lease for the rescuer's own attempt: with 2 s, a fresh-clone run on a busy
            // machine let it lapse once and counted a third attempt.
            let rescuer = WorkerPool(queue: queue, handlers: handlers,
                                     config: QueueConfig(concurrency: 1, pollIntervalMilliseconds: 100, leaseSeconds: 120), logger: logger)
            try await run([rescuer]) {
                let finished = try await eventually { try await queue.job(id)?.status == .done }
                #expect(finished)
            }
            let job = try #require(try await queue.job(id))
            #expect(job.attempts == 2)
            #expect(job.errorLog.first?.worker == victim)
            #expect(job.errorLog.first?.error.contains("lease expired") == true)
            #expect(try await eventTypes(client, job: id).contains("job.lease_expired"))
        }
    }

    @Test func sigtermDrainsTheRunningJobBeforeExit() async throws {
        try await TestDatabase.withScratchDatabase { url, client in
            let queue = JobQueue(client: client, logger: logger)
            let worker = try WorkerProcess.start(databaseURL: url)
            defer { worker.kill(SIGKILL) }
            // The job runs until the test creates its file, so the SIGTERM surely finds it
            // running (a fixed 6 s sleep once ran start to end between two polls under ASan).
            let release = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-drain-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: release) }
            let id = try await queue.enqueue(
                try NewJob(kind: .diagnosticSleep, payload: SleepJobHandler.Payload(ms: 0, untilFile: release.path))).jobID
            let running = try await eventually { try await queue.job(id)?.status == .running }
            try #require(running, "the job was never seen running")
            worker.kill(SIGTERM)
            // Draining: the worker waits for the running job, which ends once released.
            try Data().write(to: release)
            try await worker.exited()
            #expect(worker.process.terminationStatus == 0)
            #expect(try await queue.job(id)?.status == .done)
        }
    }

    /// A worker process serves /health and /metrics for probes and Prometheus; `facepipe
    /// healthcheck` (the container's health check) reads the first.
    @Test func aWorkerProcessServesHealthAndJobMetrics() async throws {
        try await TestDatabase.withScratchDatabase { url, client in
            let port = ScratchCluster.freePort()
            let unused = ScratchCluster.freePort()
            let worker = try WorkerProcess.start(databaseURL: url, httpPort: port)
            defer { worker.kill(SIGKILL) }
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue(NewJob(kind: .diagnosticNoop)).jobID
            #expect(try await eventually { try await queue.job(id)?.status == .done })
            let health = try await Self.get("http://127.0.0.1:\(port)/health")
            #expect(health.status == 200)
            #expect(health.body.contains(#""role":"worker""#) && health.body.contains(#""status":"up""#))
            let metrics = try await Self.get("http://127.0.0.1:\(port)/metrics")
            #expect(metrics.body.contains(#"facepipe_job_duration_seconds"#) && metrics.body.contains("diagnostic.noop"))
            for (checkPort, expected) in [(port, Int32(0)), (unused, Int32(1))] {
                let check = Process()
                check.executableURL = try facepipeExecutable()
                check.arguments = ["healthcheck", "--port", String(checkPort)]
                check.currentDirectoryURL = FileManager.default.temporaryDirectory
                check.standardOutput = FileHandle.nullDevice
                try check.run()
                try await check.exited()
                #expect(check.terminationStatus == expected, "healthcheck on \(checkPort)")
            }
        }
    }

    /// GETs `url`, trying again until the process behind it has started (within `patience`).
    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let deadline = ContinuousClock.now + patience
        repeat {
            if let (data, response) = try? await URLSession.shared.data(from: URL(string: url)!), let http = response as? HTTPURLResponse {
                return (http.statusCode, String(decoding: data, as: UTF8.self))
            }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        throw TestSetupError("\(url) did not answer")
    }

    /// Runs pools while `body` runs, then shuts them down gracefully.
    func run(_ pools: [WorkerPool], _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(configuration: .init(services: pools.map { .init(service: $0) }, logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func retryDelays(_ client: DatabaseClient, job: Int64) async throws -> [Double] {
        var delays: [Double] = []
        let rows = try await client.query("""
            SELECT extract(epoch FROM (e.data->>'retry_at')::timestamptz - (l->>'at')::timestamptz)::float8
            FROM events e JOIN jobs j ON j.id = e.job_id, jsonb_array_elements(j.error_log) l
            WHERE e.job_id = \(job) AND e.type = 'job.retry_scheduled' AND l->>'attempt' = e.data->>'attempt'
            ORDER BY e.id
            """)
        for try await delay in rows.decode(Double.self) { delays.append(delay) }
        return delays
    }
}

/// Records which jobs run where, and whether any job ever ran twice at the same time.
actor FinalFailures {
    var calls: [(id: Int64, attempt: Int, error: String)] = []
    func add(_ job: ClaimedJob, _ error: String) { calls.append((job.id, job.attempt, error)) }
}

/// Fails as its payload says: `permanent` at once, `always` on every attempt, `once` then succeeds.
struct DoomedHandler: JobHandler {
    struct Mode: Decodable { var mode: String }
    struct Failure: Error, CustomStringConvertible { var description: String }
    let heard: FinalFailures

    func handle(_ job: ClaimedJob, context: JobContext) async throws {
        switch try job.decodePayload(Mode.self).mode {
        case "permanent": throw PermanentJobError("doomed for good")
        case "once" where job.attempt > 1: return
        default: throw Failure(description: "failed attempt \(job.attempt)")
        }
    }

    func failedForGood(_ job: ClaimedJob, error: String, context: JobContext) async throws {
        await heard.add(job, error)
    }
}

actor RunTracker {
    private var running = Set<Int64>()
    private var runs: [Int64: Int] = [:]
    private var overlaps: [Int64] = []
    private var workers = Set<String>()

    func start(_ id: Int64, worker: String) {
        if !running.insert(id).inserted { overlaps.append(id) }
        runs[id, default: 0] += 1
        workers.insert(worker)
    }

    func end(_ id: Int64) { running.remove(id) }

    func report() -> (runs: [Int64: Int], overlaps: [Int64], workers: Set<String>) { (runs, overlaps, workers) }
}

struct TrackingHandler: JobHandler {
    let tracker: RunTracker
    func handle(_ job: ClaimedJob, context: JobContext) async throws {
        await tracker.start(job.id, worker: context.workerID)
        try await Task.sleep(for: .milliseconds(Int.random(in: 1...10)))
        await tracker.end(job.id)
    }
}

/// Blocks its thread until `release` is signalled once per call (deaf to cancellation, like a
/// stuck native decode).
struct HangingHandler: JobHandler {
    let threads: AbandonableThreadPool
    let release: DispatchSemaphore
    func handle(_ job: ClaimedJob, context: JobContext) async throws {
        try await threads.run { release.wait() }
    }
}

/// A `facepipe worker` child process on a test database, with diagnostic jobs enabled.
struct WorkerProcess {
    let process: Process

    /// - Parameter httpPort: where it serves /health and /metrics (0: not at all, so parallel tests never collide).
    /// - Parameter leaseSeconds: how long its claims last without a heartbeat.
    static func start(databaseURL: DatabaseURL, httpPort: Int = 0, leaseSeconds: Int = 60) throws -> WorkerProcess {
        let process = Process()
        process.executableURL = try facepipeExecutable()
        process.arguments = ["worker"]
        process.currentDirectoryURL = FileManager.default.temporaryDirectory  // no stray .env
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = "postgres://\(databaseURL.username)@\(databaseURL.host):\(databaseURL.port)/\(databaseURL.database)"
        environment["QUEUE_DIAGNOSTIC_JOBS"] = "true"
        environment["QUEUE_LEASE_SECONDS"] = String(leaseSeconds)
        environment["QUEUE_POLL_INTERVAL_MS"] = "100"
        environment["LOG_LEVEL"] = "warning"
        // A connection may take longer than the service's 15 s to open under make test-stress.
        environment["DATABASE_WAIT_SECONDS"] = "300"
        environment["WORKER_HTTP_PORT"] = String(httpPort)
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return WorkerProcess(process: process)
    }

    func kill(_ signal: Int32) {
        if process.isRunning { _ = Foundation.kill(process.processIdentifier, signal) }
    }

    func exited() async throws { try await process.exited() }
}
