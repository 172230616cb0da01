import App
import ArgumentParser
import AsyncHTTPClient
import FacepipeCore
import Foundation
import Logging
import NIOCore

/// `facepipe bench access`: what authentication costs per request and how long erasure takes,
/// against a real `facepipe serve` (scratch database, in-process worker, the face models).
///  - auth overhead: the same handler and query (`GET /gallery`) anonymous and with an API key,
///    alternated request by request so machine noise hits both alike; `GET /images` for reference;
///  - erasure: photos with faces processed and embedded, then `DELETE /images/{id}` until its
///    erase job is done (rows at once, every file deleted).
struct AccessBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "access", abstract: "Authentication overhead and erasure time.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Requests per variant.") var requests = 2000
    @Option(help: "Photos with faces to erase (from the test photos).") var erasures = 6

    func run() async throws {
        let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
        let deps = URL(fileURLWithPath: ".deps").standardizedFileURL.path
        try await withScratchDatabase("facepipe_bench_access", config: config, logger: logger) { url in
            let server = try BenchServer(database: url, worker: true, environment: BenchServer.faceModels)
            defer { server.stop() }
            try await server.waitUntilHealthy()
            try await authOverhead(server)
            try await erasureTime(server, photos: "\(deps)/testdata/photos")
        }
    }

    func authOverhead(_ server: BenchServer) async throws {
        var anonymous = Samples(), keyed = Samples(), images = Samples()
        for _ in 0..<50 { _ = try await Self.timed(server.request("/gallery", authorized: true)) }  // warm-up
        for _ in 0..<requests {
            anonymous.add(try await Self.timed(server.request("/gallery", authorized: false)))
            keyed.add(try await Self.timed(server.request("/gallery", authorized: true)))
            images.add(try await Self.timed(server.request("/images")))
        }
        func line(_ name: String, _ samples: Samples) -> String {
            "\(name): p50 \(format(samples.median, 3)) ms, p99 \(format(samples.percentile(99), 3)) ms"
        }
        print("auth overhead, \(requests) requests each, one client, alternated:")
        print("  " + line("GET /gallery anonymous     ", anonymous))
        print("  " + line("GET /gallery with an API key", keyed))
        print("  " + line("GET /images with an API key ", images))
        print("  key check costs p50 \(format(keyed.median - anonymous.median, 3)) ms, p99 \(format(keyed.percentile(99) - anonymous.percentile(99), 3)) ms")
    }

    func erasureTime(_ server: BenchServer, photos folder: String) async throws {
        let names = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "t1.jpg", "astronaut.png"]
        var ids: [String] = []
        for (index, name) in names.prefix(erasures).enumerated() {
            var photo = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(name))
            photo.append(contentsOf: Array("bench-erase-\(index)-\(UUID().uuidString)".utf8))  // fresh bytes each run
            ids.append(try await IngestBench.upload(photo, filename: name, to: server))
        }
        try await server.waitForIdleQueue(limit: .seconds(120))
        var faces = 0, durations = Samples()
        for id in ids {
            faces += (try await Self.json(server.request("/images/\(id)")))["faceCount"] as? Int ?? 0
            let start = ContinuousClock.now
            let erased = try await Self.json(server.request("/images/\(id)", method: .DELETE))
            guard let job = erased["jobId"] as? Int else { throw BenchServerError("erase of \(id): \(erased)") }
            while (try await Self.json(server.request("/jobs/\(job)")))["status"] as? String != "done" {
                try await Task.sleep(for: .milliseconds(2))
            }
            durations.add(seconds(ContinuousClock.now - start) * 1000)
        }
        print("erasure of \(ids.count) images with \(faces) faces (request + erase job until every file is gone): "
              + "median \(format(durations.median)) ms, max \(format(durations.percentile(100))) ms")
    }

    static func timed(_ request: HTTPClientRequest) async throws -> Double {
        let start = ContinuousClock.now
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 22)
        guard response.status == .ok else { throw BenchServerError("\(request.url): \(response.status)") }
        return seconds(ContinuousClock.now - start) * 1000
    }

    static func json(_ request: HTTPClientRequest) async throws -> [String: Any] {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 22)
        return (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }
}
