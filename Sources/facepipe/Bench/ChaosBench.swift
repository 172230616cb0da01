import App
import ArgumentParser
import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO

/// `facepipe bench chaos` (`make chaos`; a short run is part of `make test`): photos are uploaded
/// while worker processes are killed with SIGKILL at random moments and replaced, then the
/// store and database are checked: every acknowledged upload is `done` exactly once, with all
/// its files, no file without its row, no duplicate face rows, no job left running or queued.
/// Loopback only; bounded by --photos, --kills and a 10-minute drain limit.
struct ChaosBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chaos", abstract: "Worker kills under load: nothing lost or doubled.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Photos uploaded (real photos, made unique).") var photos = 200
    @Option(help: "Workers killed with SIGKILL, one at a time, at random moments.") var kills = 100
    @Option(help: "Worker processes kept running.") var workers = 2
    @Option(help: "Folder of photos.") var dir = ".deps/testdata/photos"
    @Option(help: "Seed for the kill moments.") var seed: UInt64 = 1

    func run() async throws {
        let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
        let images = try files.map { try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent($0)) }
        guard !images.isEmpty else { throw ValidationError("no photos in \(dir): run make setup") }
        let media = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-chaos-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: media) }
        print("chaos: \(photos) uploads, \(kills) worker kills (SIGKILL), \(workers) workers, leases of 3 s")
        try await withScratchDatabase("facepipe_bench_chaos", config: config, logger: logger) { url in
            let environment = BenchServer.faceModels.merging([
                "MEDIA_ROOT": media.path, "MEDIA_SIGNING_SECRET": "5e1c0b9a7f3d2e8c6a4b1d0f9e7c5a3b5e1c0b9a",
                "QUEUE_LEASE_SECONDS": "3", "QUEUE_POLL_INTERVAL_MS": "200", "WORKER_HTTP_PORT": "0", "QUEUE_MAX_ATTEMPTS": "50",
            ]) { $1 }
            let api = try BenchServer(database: url, environment: environment)
            defer { api.stop() }
            try await api.waitUntilHealthy()
            let pool = Locked<[BenchServer]>(try (0..<workers).map { _ in try BenchServer(database: url, command: ["worker"], environment: environment) })
            defer { pool.withLock { for worker in $0 { worker.stop() } } }
            let start = ContinuousClock.now
            let killer = Task {
                var random = SplitMix64(seed: seed)
                for _ in 0..<kills {
                    // 0.3–1.5 s apart: some kills land mid-decode, some mid-commit, some while idle.
                    try await Task.sleep(for: .milliseconds(300 + Int(random.next() % 1200)))
                    let replacement = try BenchServer(database: url, command: ["worker"], environment: environment)
                    let victim = pool.withLock { workers -> BenchServer in
                        let index = Int(random.next() % UInt64(workers.count))
                        let victim = workers[index]
                        workers[index] = replacement
                        return victim
                    }
                    Foundation.kill(victim.pid, SIGKILL)
                    victim.stop()
                }
            }
            try await ScaleBench.upload(images, count: photos, to: api, clients: 4)
            try await killer.value
            try await api.waitForIdleQueue(limit: .seconds(600))
            let elapsed = seconds(ContinuousClock.now - start)
            let report = try await Database.withClient(url: url, poolSize: 2, logger: logger) { try await Self.check($0, media: media, logger: logger) }
            print("  \(format(elapsed)) s; acknowledged \(photos), done \(report.scale.done), lost \(photos - report.scale.done), "
                  + "duplicated \(report.scale.duplicated), retried after a lease expired \(report.scale.retried), "
                  + "missing files \(report.scale.missingFiles), files without a row \(report.orphans), duplicate faces \(report.duplicateFaces), "
                  + "jobs left queued or running \(report.stuck)")
            guard report.scale.done == photos, report.scale.duplicated == 0, report.scale.missingFiles == 0, report.orphans == 0,
                  report.duplicateFaces == 0, report.stuck == 0 else {
                throw ValidationError("chaos run lost, doubled or left work behind (see above)")
            }
        }
    }

    struct Report {
        var scale: ScaleBench.Report
        var orphans = 0, duplicateFaces = 0, stuck = 0
    }

    static func check(_ client: DatabaseClient, media: URL, logger: Logger) async throws -> Report {
        var report = Report(scale: try await ScaleBench.check(client, logger: logger))
        func int(_ sql: String) async throws -> Int {
            for try await value in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int.self) { return value }
            return 0
        }
        report.duplicateFaces = try await int(
            "SELECT count(*) FROM (SELECT image_id, face_index FROM face_detections GROUP BY 1, 2 HAVING count(*) > 1) AS twice")
        report.stuck = try await int("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running') AND kind <> 'webhook'")
        var recorded = Set<String>()
        for try await key in try await client.query("SELECT key FROM image_files", logger: logger).decode(String.self) { recorded.insert(key) }
        let root = media.standardizedFileURL.path
        for prefix in ["originals", "thumbnails", "faces", "processed"] {
            guard let walker = FileManager.default.enumerator(atPath: "\(root)/\(prefix)") else { continue }
            for case let path as String in walker {
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: "\(root)/\(prefix)/\(path)", isDirectory: &isFolder), !isFolder.boolValue,
                   !recorded.contains("\(prefix)/\(path)") {
                    report.orphans += 1
                }
            }
        }
        return report
    }
}
