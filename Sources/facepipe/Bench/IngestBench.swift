import App
import ArgumentParser
import AsyncHTTPClient
import FacepipeCore
import Foundation
import Logging
import NIOCore
import Persistence

/// `facepipe bench ingest`: uploads through a real `facepipe serve` child process (scratch
/// database, temporary media folder, no virus scanner, worker off) with 1 and 16 concurrent
/// clients; reports MB/s, files/s and the server's resident memory.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest", abstract: "Upload throughput and server memory.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Folder of photos to upload (each upload is made unique).") var dir = ".deps/testdata/bench-12mp"
    @Option(help: "Uploads per concurrency level.") var uploads = 48
    @Option(parsing: .upToNextOption, help: "Concurrency levels.") var clients: [Int] = [1, 16]
    @Option(help: "Pad every upload to this many MB (trailing bytes after the image) to test streaming memory; 0 = as is.")
    var padToMB = 0

    func run() async throws {
        let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") && $0 != "MANIFEST" }.sorted()
        guard !files.isEmpty else { throw ValidationError("no images in \(dir): run `make bench-imaging` first or pass --dir") }
        let photos = try files.map { try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent($0)) }
        try await withScratchDatabase("facepipe_bench_ingest", config: config, logger: logger) { url in
            let server = try BenchServer(database: url)
            defer { server.stop() }
            try await server.waitUntilHealthy()
            let idle = residentMemory(pid: server.pid)
            print("ingest benchmark: \(uploads) uploads per level of \(photos.count) photos (\(format(Double(photos.map(\.count).reduce(0, +)) / Double(photos.count) / 1_048_576)) MB average), server pid \(server.pid), idle RSS \(idle.current / 1024) MB")
            var counter = 0
            for level in clients {
                let start = ContinuousClock.now
                var bytes = 0
                var peak = 0
                try await withThrowingTaskGroup(of: Int.self) { group in
                    var started = 0
                    func add() {
                        counter += 1
                        var body = photos[started % photos.count]
                        body.append(contentsOf: Array("unique-\(counter)-\(UUID().uuidString)".utf8))  // new SHA-256, same pixels
                        if padToMB > 0 && body.count < padToMB << 20 {
                            body.append(Data(count: (padToMB << 20) - body.count - 1024))
                        }
                        started += 1
                        let upload = body
                        group.addTask { try await Self.upload(upload, to: server) }
                    }
                    for _ in 0..<min(level, uploads) { add() }
                    while let sent = try await group.next() {
                        bytes += sent
                        peak = max(peak, residentMemory(pid: server.pid).current)
                        if started < uploads { add() }
                    }
                }
                let elapsed = seconds(ContinuousClock.now - start)
                let hwm = residentMemory(pid: server.pid).peak
                print("\(level) client(s): \(format(Double(uploads) / elapsed)) files/s, \(format(Double(bytes) / 1_048_576 / elapsed)) MB/s; server RSS peak \(hwm / 1024) MB (+\((max(peak, hwm) - idle.current) / 1024) MB over idle)")
            }
        }
    }

    /// One multipart upload as its admin; returns the byte count (the throughput figure's unit).
    static func upload(_ data: Data, to server: BenchServer) async throws -> Int {
        _ = try await upload(data, filename: "photo.jpg", to: server)
        return data.count
    }

    /// One multipart upload as its admin, into `reportId` when given; returns the new image's id.
    static func upload(_ data: Data, filename: String, reportId: String? = nil, to server: BenchServer) async throws -> String {
        let request = server.multipart("/upload/images", field: "files", filename: filename, data: data,
                                       fields: reportId.map { ["reportId": $0] } ?? [:])
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        let file = ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any])?["files"] as? [[String: Any]]
        guard response.status == .ok, file?.first?["status"] as? String == "processing", let id = file?.first?["id"] as? String else {
            throw ValidationError("upload failed: \(response.status) \(text.prefix(200))")
        }
        return id
    }
}
