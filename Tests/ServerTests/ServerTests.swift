import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Observability
import Persistence
import PostgresNIO
import Queue
import Server
import Storage
import Testing
import TestSupport

/// The HTTP application against a real database.
@Suite struct ServerTests {
    init() { Observability.bootstrapMetrics() }

    func withApp(_ body: @escaping @Sendable (any TestClientProtocol, JobQueue, DatabaseClient) async throws -> Void) async throws {
        try await IngestHarness.run { client, env in
            try await body(client, JobQueue(client: env.client, logger: TestDatabase.logger), env.client)
        }
    }

    @Test func healthReportsTheDatabase() async throws {
        try await withApp { client, _, _ in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["status"] as? String == "ok")
                #expect((body?["scanner"] as? [String: Any])?["status"] as? String == "off")
                let database = body?["database"] as? [String: Any]
                #expect(database?["status"] as? String == "up")
                #expect((database?["latencyMs"] as? Double ?? -1) >= 0)
                #expect(body?["worker"] as? String == "disabled")
            }
        }
    }

    @Test func healthIs503WhenTheDatabaseIsDown() async throws {
        // A client pointed at a port nobody listens on.
        let dead = Database.makeClient(url: DatabaseURL(host: "127.0.0.1", port: 1, username: "x", database: "x"),
                                       logger: TestDatabase.logger)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-dead-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let dependencies = try await IngestHarness.makeDependencies(
            client: dead, store: try LocalMediaStore(root: root), spool: root.appendingPathComponent("spool"))
        let app = try buildApplication(http: HTTPConfig(host: "127.0.0.1", port: 0), dependencies: dependencies)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await dead.run() }
            try await app.test(.router) { client in
                try await client.execute(uri: "/health", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    #expect(body?["status"] as? String == "degraded")
                    #expect((body?["database"] as? [String: Any])?["status"] as? String == "down")
                }
            }
            group.cancelAll()
        }
    }

    @Test func metricsArePrometheusTextWithQueueAndHTTPSeries() async throws {
        try await withApp { client, queue, _ in
            _ = try await queue.enqueue([NewJob(kind: "t.metrics"), NewJob(kind: "t.metrics")])
            try await client.execute(uri: "/health", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: response.body)
                #expect(text.contains(#"facepipe_queue_jobs{kind="t.metrics",status="queued"} 2"#))
                #expect(text.contains(#"facepipe_queue_jobs{kind="t.metrics",status="running"} 0"#))
                #expect(text.contains(#"facepipe_queue_depth{status="queued"}"#))
                #expect(text.contains("# TYPE hb_requests counter"))
                #expect(text.contains(#"http_route="/health""#))
                // Every sample line is `name{labels} value` with a numeric value.
                for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                    let value = line.split(separator: " ").last.map(String.init) ?? ""
                    #expect(Double(value) != nil || ["+Inf", "-Inf", "NaN"].contains(value), "bad sample: \(line)")
                }
            }
        }
    }

    @Test func requestIDIsEchoedOrGenerated() async throws {
        try await withApp { client, _, _ in
            try await client.execute(uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "abc-123"]) { response in
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "abc-123")
            }
            try await client.execute(uri: "/health", method: .get) { response in
                let id = response.headers[HTTPField.Name("X-Request-Id")!]
                #expect(id.flatMap(UUID.init(uuidString:)) != nil)
            }
            // A header that could forge log lines is replaced, not echoed.
            try await client.execute(uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "a b\"c"]) { response in
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] != "a b\"c")
            }
            // Errors carry it too.
            try await client.execute(uri: "/nowhere", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "err-1"]) { response in
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "err-1")
            }
        }
    }

    @Test func errorsAreJSONWithCodeAndMessage() async throws {
        try await withApp { client, _, _ in
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body) == #"{"error":{"code":"not_found","message":"Not Found"}}"#)
            }
            try await client.execute(uri: "/jobs/abc", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#""code":"bad_request""#))
            }
            // Text PostgreSQL cannot store is the client's error, not a 500 (found by schemathesis).
            try await client.execute(uri: "/images?reportId=a%00b", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#""code":"invalid_text""#))
            }
            try await client.execute(uri: "/jobs/424242", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("job 424242 not found"))
            }
        }
    }

    @Test func jobsCanBeInspectedAndCancelled() async throws {
        try await withApp { client, queue, _ in
            let id = try await queue.enqueue(NewJob(kind: "t.api", correlationID: "req-7")).jobID
            let running = try await queue.enqueue(NewJob(kind: "t.busy")).jobID
            _ = try await queue.claim(worker: "w", kinds: ["t.busy"], limit: 1, leaseSeconds: 30)
            try await client.execute(uri: "/jobs/\(id)", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains(#""status" : "queued""#))
                #expect(body.contains(#""correlationId""#) && body.contains("req-7"))
            }
            try await client.execute(uri: "/queue", method: .get) { response in
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let byStatus = body?["byStatus"] as? [String: Int]
                #expect(byStatus?["queued"] == 1)
                #expect(byStatus?["processing"] == 1 && byStatus?["running"] == nil)
            }
            try await client.execute(uri: "/jobs/\(id)/cancel", method: .post) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""status" : "cancelled""#))
            }
            try await client.execute(uri: "/jobs/\(running)/cancel", method: .post) { response in
                #expect(response.status == .conflict)
                #expect(String(buffer: response.body).contains(#""code":"not_cancellable""#))
            }
        }
    }
}

extension Data {
    init(buffer: ByteBuffer) { self.init(buffer.readableBytesView) }
}
