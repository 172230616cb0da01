import FacepipeCore
import Foundation
import NIOCore
import PostgresNIO
import Queue
import Testing
import TestSupport

@testable import App

/// The handlers as `facepipe serve` assembles them (`Runtime.makeHandlers`), on a real photo.
@Suite struct ProcessedWebhookTests {
    @Test func theWebhookCarriesTheFreshFaceCountAndFollowUpJobsTheConfiguredAttempts() async throws {
        let (detection, embedder) = try FaceSearchTests.models()
        let config = try AppConfig(from: DictionaryConfigSource([
            "WEBHOOK_URLS": "http://127.0.0.1:9/hook", "WEBHOOK_SECRET": "5e1c0b9a7f3d2e8c6a4b1d0f9e7c5a3b", "QUEUE_MAX_ATTEMPTS": "3",
        ]))
        try await IngestHarness.run { client, env in
            var form = Multipart(files: [.init(filename: "t1.jpg", contentType: "image/jpeg", data: try FaceSearchTests.photo("t1.jpg"))])
            form.fields = [("blurFaces", "true")]
            try await client.upload(form) { #expect($0.status == .ok) }
            let queue = JobQueue(client: env.client, defaultMaxAttempts: config.queue.maxAttempts, logger: TestDatabase.logger)
            let registry = Runtime.makeHandlers(config, client: env.client, queue: queue, store: env.store, links: env.links,
                                                faces: .init(detection: detection, embedder: embedder), logger: TestDatabase.logger)
            let job = try #require(try await queue.claim(worker: "t", kinds: ["process_image"], limit: 1, leaseSeconds: 60).first)
            try await registry.handler(for: job.kind)!.handle(job, context: JobContext(logger: TestDatabase.logger, workerID: "t"))
            // The first delivery already knows the faces process_image just found (the row it
            // had read before processing did not).
            var bodies: [String] = []
            for try await body in try await env.client.query(
                "SELECT payload->>'body' FROM jobs WHERE kind = 'webhook'").decode(String.self) { bodies.append(body) }
            let delivery = try #require(bodies.first)
            let envelope = try #require(try JSONSerialization.jsonObject(with: Data(delivery.utf8)) as? [String: Any])
            #expect(envelope["event"] as? String == "image.processed")
            let json = try #require(envelope["data"] as? [String: Any])
            #expect(json["hasFaces"] as? Bool == true && json["faceCount"] as? Int == 6, "\(delivery)")
            // The jobs it queued (faces to embed, the blurFaces copy) use QUEUE_MAX_ATTEMPTS.
            var attempts: [String: Int] = [:]
            for try await (kind, maxAttempts) in try await env.client.query(
                "SELECT kind, max_attempts FROM jobs WHERE kind IN ('embed_faces', 'anonymize')").decode((String, Int).self) {
                attempts[kind] = maxAttempts
            }
            #expect(attempts == ["embed_faces": 3, "anonymize": 3])
        }
    }
}
