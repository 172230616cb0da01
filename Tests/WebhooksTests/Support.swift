import FacepipeCore
import Foundation
import Hummingbird
import Logging
import Persistence
import PostgresNIO
import Queue
import ServiceLifecycle
import TestSupport
import Webhooks

/// One request as the test receiver saw it.
struct ReceivedRequest: Sendable {
    var method: String
    var path: String
    /// Lowercased header names.
    var headers: [String: String]
    var body: String
}

/// What the receiver records and how it answers: the statuses in `script` for the first calls,
/// then 200.
actor Recorder {
    private(set) var requests: [ReceivedRequest] = []
    private var script: [Int]
    private(set) var port: Int?
    /// `POST /slow` holds its answer until this is set (or the receiver shuts down).
    private(set) var slowReleased = false

    init(script: [Int]) { self.script = script }

    func releaseSlow() { slowReleased = true }

    func record(_ request: ReceivedRequest) -> Int {
        requests.append(request)
        return script.isEmpty ? 200 : script.removeFirst()
    }

    func setPort(_ port: Int?) { self.port = port }
}

/// A real HTTP receiver on 127.0.0.1, an ephemeral port: `POST /hook` records the request and
/// answers as scripted; `POST /slow` holds its answer until the test calls `releaseSlow()`;
/// `POST /redirect` answers 302.
struct Receiver: Sendable {
    let recorder: Recorder
    let port: Int

    var url: String { "http://127.0.0.1:\(port)/hook" }
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
    var requests: [ReceivedRequest] { get async { await recorder.requests } }
    func releaseSlow() async { await recorder.releaseSlow() }

    static func run<T: Sendable>(
        script: [Int] = [], _ body: @Sendable (Receiver) async throws -> T
    ) async throws -> T {
        let recorder = Recorder(script: script)
        let router = Router()
        @Sendable func collect(_ request: Request) async throws -> ReceivedRequest {
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let bytes = try await request.body.collect(upTo: 1 << 20)
            return ReceivedRequest(method: request.method.rawValue, path: request.uri.path, headers: headers,
                                   body: String(buffer: bytes))
        }
        router.post("/hook") { request, _ -> Response in
            let status = await recorder.record(try await collect(request))
            return Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: "scripted \(status)\n")))
        }
        router.post("/slow") { request, _ -> Response in
            _ = await recorder.record(try await collect(request))
            while !(await recorder.slowReleased) { try await Task.sleep(for: .milliseconds(20)) }
            return Response(status: .ok)
        }
        router.post("/redirect") { request, _ -> Response in
            _ = await recorder.record(try await collect(request))
            return Response(status: .init(code: 302), headers: [.location: "/hook"])
        }
        var logger = Logger(label: "receiver")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in await recorder.setPort(channel.localAddress?.port) }, logger: logger)
        return try await runServices([app]) {
            guard try await eventually({ await recorder.port != nil }), let port = await recorder.port else {
                throw TestSetupError("the test receiver did not start")
            }
            return try await body(Receiver(recorder: recorder, port: port))
        }
    }
}

/// Runs services while `body` runs, then shuts them down gracefully.
func runServices<T: Sendable>(_ services: [any Service], _ body: @Sendable () async throws -> T) async throws -> T {
    let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: TestDatabase.logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: T
        do {
            result = try await body()
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}

/// Quick retries, fast polling: what the worker-pool tests run with.
let fastQueue = QueueConfig(concurrency: 1, pollIntervalMilliseconds: 50, backoff: Backoff(baseMilliseconds: 20, maxMilliseconds: 50))

let testSecret = "test-webhook-secret-0123456789abcdef"

/// An `images` row for jobs to point at (jobs.image_id references images).
func insertImage(_ client: DatabaseClient, id: UUID = UUID()) async throws -> UUID {
    let repository = ImageRepository(client: client, logger: TestDatabase.logger)
    let sha = WebhookTestData.hex(UUID()) + WebhookTestData.hex(UUID())
    let image = NewImage(id: id, reportID: "report-1", sha256: sha, mime: "image/png", bytes: 1234, width: 640, height: 480,
                         originalKey: "originals/\(id.uuidString.lowercased())", blurFaces: false)
    _ = try await client.withTransaction(logger: TestDatabase.logger) { connection in
        try await repository.insert(image, on: connection)
    }
    return id
}

enum WebhookTestData {
    /// A fully populated `done` payload (whole-second date: ISO 8601 carries seconds).
    static func payload(imageId: UUID) -> WebhookPayload {
        WebhookPayload(
            imageId: imageId, reportId: "report-1", status: .completed,
            sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            width: 640, height: 480, hasFaces: true, faceCount: 2,
            hashes: .init(phash: "8f373714acfcf4d0", dhash: "0f1e2d3c4b5a6978", ahash: "ffff0000ffff0000",
                          pdq: String(repeating: "ab", count: 32)),
            thumbnails: [.init(size: "thumb", url: "https://media.example/t.webp"), .init(size: "medium", url: "https://media.example/m.webp")],
            duplicates: [.init(imageId: UUID(uuidString: "6F1C9D2E-0B7A-4C1D-9E55-2B1F3C4D5E6F")!, hashType: "phash", distance: 3)],
            processedAt: Date(timeIntervalSince1970: 1_767_323_045))
    }

    static func hex(_ id: UUID) -> String { id.uuidString.replacingOccurrences(of: "-", with: "").lowercased() }
}
