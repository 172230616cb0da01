import App
import ArgumentParser
import AsyncHTTPClient
import FacepipeCore
import Foundation
import Logging
import NIOCore
import Persistence
import PostgresNIO

/// `facepipe bench scale` (`make scale-test`): the split layout on one machine — one PostgreSQL,
/// an S3 endpoint as the shared media store, one `serve --no-worker` and N separate `facepipe
/// worker` processes — taking real photos over HTTP. For each N it prints images/s and queue wait
/// p50/p95, then checks every image ended `done` exactly once: one process_image job done per
/// image, its files all recorded, nothing lost. A last run kills a worker with SIGKILL mid-way.
/// Loopback only; bounded by --photos and a 10-minute drain limit per run.
struct ScaleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scale", abstract: "Images/s with 1, 2, 4 worker processes; a kill run.")

    @OptionGroup var common: CommonOptions
    @Option(help: "S3 endpoint shared by every process (moto_server for tests).") var s3Endpoint: String
    @Option(help: "Photos uploaded per run (real photos, made unique).") var photos = 200
    @Option(parsing: .upToNextOption, help: "Worker processes per run.") var workers: [Int] = [1, 2, 4]
    @Option(help: "Folder of photos.") var dir = ".deps/testdata/photos"

    func run() async throws {
        let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
        let images = try files.map { try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent($0)) }
        guard !images.isEmpty else { throw ValidationError("no photos in \(dir): run make setup") }
        print("scale benchmark: \(photos) uploads of \(images.count) photos per run, S3 at \(s3Endpoint), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let runs = workers.map { (count: $0, kill: false) } + [(count: max(2, workers.max() ?? 2), kill: true)]
        for (run, (workerCount, kill)) in runs.enumerated() {
            try await withScratchDatabase("facepipe_bench_scale_\(run)", config: config, logger: logger) { url in
                let environment = BenchServer.faceModels.merging([
                    "S3_BUCKET": "scale-\(run)-\(UUID().uuidString.prefix(8).lowercased())", "S3_ENDPOINT": s3Endpoint,
                    "S3_ACCESS_KEY": "test", "S3_SECRET_KEY": "testtest", "MEDIA_SIGNING_SECRET": "5e1c0b9a7f3d2e8c6a4b1d0f9e7c5a3b5e1c0b9a",
                    "QUEUE_LEASE_SECONDS": "6", "QUEUE_POLL_INTERVAL_MS": "500", "WORKER_HTTP_PORT": "0",
                ]) { $1 }
                let api = try BenchServer(database: url, environment: environment)
                defer { api.stop() }
                try await api.waitUntilHealthy()
                let pool = try (0..<workerCount).map { _ in try BenchServer(database: url, command: ["worker"], environment: environment) }
                defer { for worker in pool { worker.stop() } }
                let start = ContinuousClock.now
                let (victim, third) = (pool[0].pid, photos / 3)
                let killer = Task { [api] in
                    guard kill else { return false }
                    // Mid-way: once a third of the photos are done, the first worker dies without warning.
                    while try await Self.done(api) < third { try await Task.sleep(for: .milliseconds(200)) }
                    Foundation.kill(victim, SIGKILL)
                    return true
                }
                try await Self.upload(images, count: photos, to: api, clients: 8)
                try await api.waitForIdleQueue(limit: .seconds(600))
                let elapsed = seconds(ContinuousClock.now - start)
                _ = try await killer.value
                let report = try await Database.withClient(url: url, poolSize: 2, logger: logger) { try await Self.check($0, logger: logger) }
                let label = kill ? "\(workerCount) workers, one killed mid-way" : "\(workerCount) worker\(workerCount == 1 ? "" : "s")"
                print("  \(label): \(format(Double(photos) / elapsed)) images/s (\(format(elapsed)) s for \(photos)), "
                      + "queue wait p50 \(format(report.waitP50 * 1000, 0)) ms / p95 \(format(report.waitP95 * 1000, 0)) ms; "
                      + "done \(report.done)/\(photos), lost \(photos - report.done), duplicated \(report.duplicated), "
                      + "retried after a lease expired \(report.retried), images with missing files \(report.missingFiles)")
                guard report.done == photos, report.duplicated == 0, report.missingFiles == 0 else {
                    throw ValidationError("the \(label) run lost or duplicated work (see above)")
                }
            }
        }
    }

    static func upload(_ images: [Data], count: Int, to server: BenchServer, clients: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                var body = images[next % images.count]
                body.append(contentsOf: Array("scale-\(next)-\(UUID().uuidString)".utf8))  // a new SHA-256, the same pixels
                next += 1
                let upload = body
                group.addTask { _ = try await IngestBench.upload(upload, to: server) }
            }
            for _ in 0..<min(clients, count) { add() }
            while try await group.next() != nil { if next < count { add() } }
        }
    }

    static func done(_ server: BenchServer) async throws -> Int {
        let response = try await HTTPClient.shared.execute(server.request("/queue"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
        let byKind = json?["byKind"] as? [String: [String: Int]]
        return byKind?["process_image"]?["done"] ?? 0
    }

    struct Report {
        var done = 0, duplicated = 0, retried = 0, missingFiles = 0
        var waitP50 = 0.0, waitP95 = 0.0
    }

    /// What the database says after the run.
    static func check(_ client: DatabaseClient, logger: Logger) async throws -> Report {
        var report = Report()
        func int(_ sql: String) async throws -> Int {
            for try await value in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int.self) { return value }
            return 0
        }
        report.done = try await int("SELECT count(*) FROM images WHERE status = 'done'")
        // One process_image job done per image; a second done job would mean the work ran twice to the end.
        report.duplicated = try await int("""
            SELECT count(*) FROM (SELECT image_id FROM jobs WHERE kind = 'process_image' AND status = 'done'
                                  GROUP BY image_id HAVING count(*) > 1) AS twice
            """)
        report.retried = try await int("SELECT count(DISTINCT job_id) FROM events WHERE type = 'job.lease_expired'")
        // original + thumb, medium, large (+ blurred and a crop per face): every face's crop is recorded.
        report.missingFiles = try await int("""
            SELECT count(*) FROM images i WHERE (SELECT count(*) FROM image_files f WHERE f.image_id = i.id)
                < 4 + coalesce(i.face_count, 0) + CASE WHEN coalesce(i.face_count, 0) > 0 THEN 1 ELSE 0 END
            """)
        let rows = try await client.query(
            """
            SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY wait), 0), coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY wait), 0)
            FROM (SELECT extract(epoch FROM min(s.at) - min(q.at)) AS wait
                  FROM events q JOIN events s ON s.job_id = q.job_id AND s.type = 'job.started'
                  JOIN jobs j ON j.id = q.job_id AND j.kind = 'process_image'
                  WHERE q.type = 'job.queued' GROUP BY q.job_id) AS waits
            """, logger: logger)
        for try await (p50, p95) in rows.decode((Double, Double).self) { (report.waitP50, report.waitP95) = (p50, p95) }
        return report
    }
}
