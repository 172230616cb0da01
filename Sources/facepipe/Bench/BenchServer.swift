import AsyncHTTPClient
import FacepipeCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Foundation

/// A real `facepipe serve` child process for the HTTP benchmarks: a scratch database, a
/// temporary working folder (media, spool, the first admin key), no virus scanner, no limits.
/// `@unchecked Sendable`: the key is written once by `waitUntilHealthy`, before any task shares the server.
final class BenchServer: @unchecked Sendable {
    let process = Process()
    let work: URL
    let base: String
    /// The admin key the server wrote on first start (benchmarks act as that caller).
    private(set) var adminKey = ""

    /// - Parameter worker: run jobs in the server too (`serve` instead of `serve --no-worker`).
    /// - Parameter command: another command instead (`["worker"]`: a worker process, no HTTP API).
    init(database url: DatabaseURL, worker: Bool = false, command: [String]? = nil, environment extra: [String: String] = [:]) throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let port = Int.random(in: 20_000...29_999)  // below the ephemeral range, so no client socket holds it
        base = "http://127.0.0.1:\(port)"
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        process.arguments = command ?? (["serve", "--port", String(port)] + (worker ? [] : ["--no-worker"]))
        process.currentDirectoryURL = work
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = url.connectionString
        environment["MEDIA_ROOT"] = work.appendingPathComponent("media").path
        environment["RATE_LIMIT_UPLOADS_PER_MINUTE"] = "0"
        environment["RATE_LIMIT_FACE_SEARCHES_PER_MINUTE"] = "0"
        environment["LOG_LEVEL"] = "warning"
        environment.removeValue(forKey: "CLAMAV_SOCKET")
        environment.removeValue(forKey: "CLAMAV_HOST")
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Where set-up put the face runtime and models, as absolute paths (the server runs elsewhere).
    static var faceModels: [String: String] {
        let deps = URL(fileURLWithPath: ".deps").standardizedFileURL.path
        return ["ONNXRUNTIME_LIBRARY": "\(deps)/onnxruntime/lib/libonnxruntime.so.1.31.1",
                "FACE_DETECTOR_MODEL": "\(deps)/models/centerface.onnx", "FACE_EMBEDDER_MODELS": "\(deps)/models"]
    }

    func waitUntilHealthy() async throws {
        for _ in 0..<300 {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/health"), timeout: .seconds(2)),
               response.status == .ok
            {
                adminKey = try String(contentsOf: work.appendingPathComponent(".data/admin.key"), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchServerError("the server did not become healthy")
    }

    /// A request to the server as its admin.
    func request(_ path: String, method: HTTPMethod = .GET, authorized: Bool = true) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if authorized { request.headers.add(name: "Authorization", value: "Bearer \(adminKey)") }
        return request
    }

    /// A multipart POST with one file in `field` (after any plain `fields`), as its admin.
    func multipart(_ path: String, field: String, filename: String, data: Data, fields: [String: String] = [:]) -> HTTPClientRequest {
        let boundary = "bench-\(UUID().uuidString)"
        var body = ByteBuffer()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(filename)\"\r\n\r\n")
        body.writeBytes(data)
        body.writeString("\r\n--\(boundary)--\r\n")
        var request = request(path, method: .POST)
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
        request.body = .bytes(body)
        return request
    }

    /// Waits until no job is queued or running (everything uploaded is processed).
    func waitForIdleQueue(limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        var transient = 0
        while ContinuousClock.now < deadline {
            let body: ByteBuffer
            do {
                let response = try await HTTPClient.shared.execute(request("/queue"), timeout: .seconds(10))
                body = try await response.body.collect(upTo: 1 << 20)
                transient = 0
            } catch {
                // A kept-alive connection the server closed, a busy moment: retry a few times,
                // but a server that is gone is an error.
                transient += 1
                guard process.isRunning, transient < 20 else { throw error }
                try await Task.sleep(for: .milliseconds(500))
                continue
            }
            let status = ((try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any])?["byStatus"] as? [String: Int] ?? [:]
            if (status["queued"] ?? 1) + (status["processing"] ?? 1) == 0 { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw BenchServerError("the queue did not drain within \(limit)")
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: work)
    }
}

struct BenchServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
