import App
import ArgumentParser
import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Queue

/// `facepipe bench queue`: queue throughput and NOTIFY pickup latency against a scratch
/// database on the configured server (embedded by default), dropped afterwards.
struct QueueBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Job queue throughput (jobs/s) and NOTIFY pickup latency.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Jobs per throughput run.") var jobs = 20_000
    @Option(help: "Jobs per enqueue/claim/complete statement.") var batch = 200
    @Option(help: "Concurrent claimers.") var workers = 4
    @Option(help: "Throughput runs (the median is reported).") var runs = 5
    @Option(help: "Jobs for the one-job-per-round-trip baseline.") var baselineJobs = 2_000
    @Option(help: "NOTIFY latency samples.") var latencySamples = 200
    @Option(help: "Worker pool slots for the pool run.") var poolConcurrency = 32

    func run() async throws {
        let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
        try await withScratchDatabase("facepipe_bench", config: config, logger: logger) { url in
            try await Database.withClient(url: url, poolSize: workers + 4, logger: logger) { client in
                _ = try await Migrator().migrate(client, logger: logger)
                try await measure(client: client, logger: logger)
            }
        }
    }

    private func measure(client: DatabaseClient, logger: Logger) async throws {
        let queue = JobQueue(client: client, logger: logger)
        print("queue benchmark: \(jobs) jobs/run, batch \(batch), \(workers) claimers, \(runs) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores")

        // Baseline: one job per statement, as a naive queue does it.
        let baseline = try await throughput(queue: queue, client: client, jobs: baselineJobs, batch: 1)
        print("baseline  one job per round trip: enqueue \(format(baseline.enqueue, 0)) jobs/s, claim+complete \(format(baseline.drain, 0)) jobs/s, end to end \(format(baseline.total, 0)) jobs/s")

        var enqueueRates = Samples(), drainRates = Samples(), totalRates = Samples()
        for _ in 0..<runs {
            let result = try await throughput(queue: queue, client: client, jobs: jobs, batch: batch)
            enqueueRates.add(result.enqueue)
            drainRates.add(result.drain)
            totalRates.add(result.total)
        }
        print("batched   enqueue \(format(enqueueRates.median, 0)) jobs/s, claim+complete \(format(drainRates.median, 0)) jobs/s, end to end (enqueue+claim+complete) \(format(totalRates.median, 0)) jobs/s (median of \(runs))")

        var poolRates = Samples()
        for _ in 0..<runs {
            poolRates.add(try await poolThroughput(queue: queue, client: client, logger: logger))
        }
        print("worker pool (\(poolConcurrency) slots, no-op handler, batched completions): \(format(poolRates.median, 0)) jobs/s claim→run→complete (median of \(runs))")

        let latency = try await notifyLatency(queue: queue, logger: logger)
        print("NOTIFY pickup latency (enqueue call → handler start, poll disabled): p50 \(format(latency.percentile(50), 2)) ms, p95 \(format(latency.percentile(95), 2)) ms, max \(format(latency.percentile(100), 2)) ms over \(latency.values.count) jobs")
    }

    struct Rates {
        var enqueue: Double
        var drain: Double
        var total: Double
    }

    /// Enqueues `jobs` in batches, then `workers` claimers drain them concurrently.
    private func throughput(queue: JobQueue, client: DatabaseClient, jobs: Int, batch: Int) async throws -> Rates {
        try await client.query("TRUNCATE jobs, events")
        let kind: JobKind = "bench.noop"
        let start = ContinuousClock.now
        var remaining = jobs
        while remaining > 0 {
            let count = min(batch, remaining)
            _ = try await queue.enqueue(Array(repeating: NewJob(kind: kind), count: count))
            remaining -= count
        }
        let enqueued = ContinuousClock.now
        let perWorker = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<workers {
                group.addTask {
                    var done = 0
                    while true {
                        let claimed = try await queue.claim(worker: "bench-\(index)", kinds: [kind.rawValue], limit: batch, leaseSeconds: 60)
                        if claimed.isEmpty { return done }
                        done += try await queue.complete(claimed.map(\.id), worker: "bench-\(index)").count
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let drained = ContinuousClock.now
        let completed = perWorker.reduce(0, +)
        guard completed == jobs else { throw ValidationError("completed \(completed) of \(jobs) jobs") }
        return Rates(
            enqueue: Double(jobs) / seconds(enqueued - start),
            drain: Double(jobs) / seconds(drained - enqueued),
            total: Double(jobs) / seconds(drained - start))
    }

    /// Jobs/s through a real WorkerPool (claim, run a no-op handler, complete) once enqueued.
    private func poolThroughput(queue: JobQueue, client: DatabaseClient, logger: Logger) async throws -> Double {
        try await client.query("TRUNCATE jobs, events")
        var remaining = jobs
        while remaining > 0 {
            let count = min(batch, remaining)
            _ = try await queue.enqueue(Array(repeating: NewJob(kind: .diagnosticNoop), count: count))
            remaining -= count
        }
        var handlers = JobHandlerRegistry()
        handlers.registerDiagnostics()
        let pool = WorkerPool(queue: queue, handlers: handlers,
                              config: QueueConfig(concurrency: poolConcurrency, pollIntervalMilliseconds: 1000), logger: logger)
        let start = ContinuousClock.now
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            defer { group.cancelAll() }
            while true {
                var done = 0
                for try await count in try await client.query("SELECT count(*) FROM jobs WHERE status = 'done'").decode(Int.self) {
                    done = count
                }
                if done == jobs { return Double(jobs) / seconds(ContinuousClock.now - start) }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// A real WorkerPool with a 60 s poll interval, so only NOTIFY can wake it quickly.
    private func notifyLatency(queue: JobQueue, logger: Logger) async throws -> Samples {
        let (starts, continuation) = AsyncStream<ContinuousClock.Instant>.makeStream()
        var handlers = JobHandlerRegistry()
        handlers.register("bench.probe", ProbeHandler(started: continuation))
        let pool = WorkerPool(queue: queue, handlers: handlers,
                              config: QueueConfig(concurrency: 1, pollIntervalMilliseconds: 60_000), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            defer { group.cancelAll() }
            // Let the listener subscribe before the first sample.
            try await Task.sleep(for: .milliseconds(500))
            var samples = Samples()
            var iterator = starts.makeAsyncIterator()
            for index in 0..<(latencySamples + 5) {
                let sent = ContinuousClock.now
                _ = try await queue.enqueue(NewJob(kind: "bench.probe"))
                guard let started = await iterator.next() else { break }
                if index >= 5 { samples.add(seconds(started - sent) * 1000) }  // skip warm-up
                try await Task.sleep(for: .milliseconds(5))
            }
            return samples
        }
    }
}

struct ProbeHandler: JobHandler {
    let started: AsyncStream<ContinuousClock.Instant>.Continuation
    func handle(_ job: ClaimedJob, context: JobContext) async throws {
        started.yield(ContinuousClock.now)
    }
}
