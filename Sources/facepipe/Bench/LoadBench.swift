import App
import ArgumentParser
import AsyncHTTPClient
import FacepipeCore
import Foundation
import Logging
import NIOCore
import Persistence
import PostgresNIO

/// `facepipe bench load` (`make bench-load`; a short run is part of `make test`): many concurrent
/// uploaders against one `facepipe serve` (worker in-process, face models loaded) for a fixed
/// time, optionally mixed with reads (gallery, detail, face search). Reports every status
/// (5xx must be 0), upload latency p50/p95/p99, the server's RSS over the run and after it, and
/// that every acknowledged upload was processed once the queue drained. Loopback only; bounded
/// by --seconds and a 10-minute drain limit.
struct LoadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "load", abstract: "Concurrent uploaders (and readers) for a fixed time.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Concurrent clients.") var clients = 200
    @Option(help: "Seconds of load.") var seconds = 300
    @Flag(help: "Half the clients read (gallery, detail, face search) instead of uploading.") var mixed = false
    @Option(help: "Folder of photos.") var dir = ".deps/testdata/photos"
    @Flag(inversion: .prefixedNo, help: "Wait for the backlog to be processed and check every upload was (slow after long runs on small machines).")
    var drain = true
    @Option(help: "Print the server's RSS every this many seconds, and its growth after the first interval at the end (make soak: 300).")
    var rssEvery: Int?

    /// Shared by every client task.
    final class Recorder: Sendable {
        let tally = Locked(Tally())
        let rss = Locked<[Int]>([])
        /// RSS at each --rss-every mark.
        let marks = Locked<[Int]>([])
    }

    struct Tally: Sendable {
        var statuses: [Int: Int] = [:]
        var uploadMs: [Double] = []
        var readMs: [Double] = []
        var acknowledged: [String] = []
        var failures: [String] = []
    }

    func run() async throws {
        let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
        let photos = try files.map { try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent($0)) }
        guard !photos.isEmpty else { throw ValidationError("no photos in \(dir): run make setup") }
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: {
            var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(120)))
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = clients
            return configuration
        }())
        defer { _ = http.shutdown() }
        try await withScratchDatabase("facepipe_bench_load", config: config, logger: logger) { url in
            let server = try BenchServer(database: url, worker: true, environment: BenchServer.faceModels)
            defer { server.stop() }
            try await server.waitUntilHealthy()
            let idle = residentMemory(pid: server.pid).current
            print("load: \(clients) clients for \(seconds) s\(mixed ? " (half of them reading)" : ""), \(photos.count) photos made unique, server pid \(server.pid), idle RSS \(idle / 1024) MB")
            let recorder = Recorder()
            let deadline = ContinuousClock.now + .seconds(seconds)
            let loadStart = ContinuousClock.now
            @Sendable func mark(_ current: Int) {
                recorder.marks.withLock { $0.append(current) }
                let parts = residentMemoryParts(pid: server.pid)
                print("  RSS after \(format((ContinuousClock.now - loadStart).seconds / 60, 1)) min: \(current / 1024) MB "
                      + "(anonymous \(parts.anonymous / 1024) MB, files \(parts.file / 1024) MB)")
            }
            let sampler = Task {
                var nextReport = rssEvery.map { loadStart + .seconds($0) }
                while ContinuousClock.now < deadline {
                    let current = residentMemory(pid: server.pid).current
                    recorder.rss.withLock { $0.append(current) }
                    if let due = nextReport, ContinuousClock.now >= due, let every = rssEvery {
                        mark(current)
                        nextReport = due + .seconds(every)
                    }
                    try await Task.sleep(for: .seconds(1))
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<clients {
                    let reader = mixed && client % 2 == 1
                    group.addTask {
                        var round = 0
                        while ContinuousClock.now < deadline {
                            round += 1
                            if reader {
                                try await Self.read(round: round, client: client, server: server, http: http, photos: photos, recorder: recorder)
                            } else {
                                try await Self.upload(photos[(client + round) % photos.count], tag: "\(client)-\(round)", server: server,
                                                      http: http, recorder: recorder)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            sampler.cancel()
            _ = await sampler.result
            // The last mark is the end of the load (the sampler stops at the deadline, so a
            // mark due exactly then would never print).
            if rssEvery != nil { mark(residentMemory(pid: server.pid).current) }
            let peakDuringLoad = recorder.rss.withLock { $0.max() ?? 0 }
            let result = recorder.tally.withLock { $0 }
            let uploads = result.uploadMs.sorted(), reads = result.readMs.sorted()
            func p(_ values: [Double], _ q: Double) -> String {
                values.isEmpty ? "-" : format(values[min(values.count - 1, Int(Double(values.count) * q))], 0)
            }
            let samples = recorder.rss.withLock { $0 }
            let quarters = (1...4).map { samples.isEmpty ? 0 : samples[max(0, min(samples.count - 1, samples.count * $0 / 4 - 1))] / 1024 }
            let fiveHundreds = result.statuses.filter { $0.key >= 500 }.values.reduce(0, +)
            // What the load itself showed, before waiting for the backlog.
            print("  statuses: \(result.statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")); 5xx: \(fiveHundreds)")
            print("  uploads: \(uploads.count) (\(format(Double(uploads.count) / Double(seconds))) /s), latency p50 \(p(uploads, 0.5)) ms, p95 \(p(uploads, 0.95)) ms, p99 \(p(uploads, 0.99)) ms")
            if mixed { print("  reads: \(reads.count), latency p50 \(p(reads, 0.5)) ms, p95 \(p(reads, 0.95)) ms, p99 \(p(reads, 0.99)) ms") }
            print("  server RSS at each quarter of the run \(quarters.map { "\($0) MB" }.joined(separator: ", ")); peak \(peakDuringLoad / 1024) MB")
            let marks = recorder.marks.withLock { $0 }
            if let first = marks.first, let last = marks.last, marks.count >= 2, first > 0 {
                // The first interval is warm-up (caches, pools, the allocator's arenas filling).
                print("  RSS growth after the first mark: \(first / 1024) → \(last / 1024) MB, "
                      + "\(format(Double(last - first) / Double(first) * 100, 1)) % over \(marks.count - 1) intervals")
            }
            for failure in result.failures.prefix(5) { print("  failure: \(failure)") }
            guard drain else {
                print("  acknowledged \(result.acknowledged.count); backlog not waited for (--no-drain)")
                guard fiveHundreds == 0, result.failures.isEmpty else { throw ValidationError("load run failed: 5xx \(fiveHundreds)") }
                return
            }
            // Uploads outrun processing on a small machine: the backlog drains after the load
            // (bounded: 2 s per acknowledged upload, at least 10 minutes).
            let drainStart = ContinuousClock.now
            try await server.waitForIdleQueue(limit: .seconds(max(600, result.acknowledged.count * 2)))
            let drained = ContinuousClock.now - drainStart
            let processed = try await Database.withClient(url: url, poolSize: 2, logger: logger) { client in
                var count = 0
                for try await value in try await client.query("SELECT count(*) FROM images WHERE status = 'done'").decode(Int.self) { count = value }
                return count
            }
            print("  acknowledged \(result.acknowledged.count), processed \(processed); the backlog drained \(format(drained.seconds)) s after the load "
                  + "(\(format(Double(processed) / (Double(seconds) + drained.seconds), 2)) images/s processed overall), server RSS after \(residentMemory(pid: server.pid).current / 1024) MB")
            guard fiveHundreds == 0, processed == result.acknowledged.count, result.failures.isEmpty else {
                throw ValidationError("load run failed: 5xx \(fiveHundreds), processed \(processed) of \(result.acknowledged.count) acknowledged")
            }
        }
    }

    static func upload(_ photo: Data, tag: String, server: BenchServer, http: HTTPClient, recorder: Recorder) async throws {
        var body = photo
        body.append(contentsOf: Array("load-\(tag)-\(UUID().uuidString)".utf8))  // a new SHA-256, the same pixels
        let request = server.multipart("/upload/images", field: "files", filename: "p.jpg", data: body)
        let start = ContinuousClock.now
        do {
            let response = try await http.execute(request, timeout: .seconds(120))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            let ms = (ContinuousClock.now - start).seconds * 1000
            let id = ((((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any])?["files"] as? [[String: Any]])?.first?["id"]) as? String
            recorder.tally.withLock {
                $0.statuses[Int(response.status.code), default: 0] += 1
                $0.uploadMs.append(ms)
                if response.status == .ok, let id { $0.acknowledged.append(id) }
            }
        } catch {
            recorder.tally.withLock { $0.failures.append("upload: \(error)") }
        }
    }

    static func read(round: Int, client: Int, server: BenchServer, http: HTTPClient, photos: [Data], recorder: Recorder) async throws {
        let known = recorder.tally.withLock { $0.acknowledged.last }
        var request: HTTPClientRequest
        switch round % 3 {
        case 0 where known != nil: request = server.request("/images/\(known!)")
        case 1: request = server.multipart("/search/face", field: "image", filename: "q.jpg", data: photos[client % photos.count])
        default: request = server.request("/gallery")
        }
        let start = ContinuousClock.now
        do {
            let response = try await http.execute(request, timeout: .seconds(120))
            _ = try await response.body.collect(upTo: 1 << 22)
            let ms = (ContinuousClock.now - start).seconds * 1000
            recorder.tally.withLock {
                $0.statuses[Int(response.status.code), default: 0] += 1
                $0.readMs.append(ms)
            }
        } catch {
            recorder.tally.withLock { $0.failures.append("read: \(error)") }
        }
    }
}

private extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
