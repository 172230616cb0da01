import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Queue
import Testing
import TestSupport
import Webhooks

/// The delivery handler on its own, against a real HTTP receiver: how each answer is classified.
@Suite struct WebhookHandlerTests {
    let context = JobContext(logger: TestDatabase.logger, workerID: "test-worker")

    func job(_ url: String, body: String = #"{"event":"image.processed"}"#, id: Int64 = 42) throws -> ClaimedJob {
        let payload = String(decoding: try JSONEncoder().encode(WebhookJobPayload(url: url, body: body)), as: UTF8.self)
        return ClaimedJob(id: id, kind: .webhook, payload: payload, imageID: nil, attempt: 1, maxAttempts: 8, correlationID: nil)
    }

    @Test func postsTheBodySignedWithHeaders() async throws {
        try await Receiver.run { receiver in
            let body = try WebhookTestData.payload(imageId: UUID()).jsonBody()
            let handler = WebhookDeliveryHandler(secret: testSecret, timeoutSeconds: 5)
            try await handler.handle(try job(receiver.url, body: body, id: 7), context: context)
            let request = try #require(await receiver.requests.first)
            #expect(await receiver.requests.count == 1)
            #expect(request.method == "POST" && request.path == "/hook")
            #expect(request.body == body)
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.headers["user-agent"] == "facepipe/\(FacepipeVersion.current)")
            #expect(request.headers["x-facepipe-event"] == "image.processed")
            #expect(request.headers["x-facepipe-delivery"] == "7")
            let timestamp = try #require(request.headers["x-facepipe-timestamp"])
            #expect(abs(try #require(Int(timestamp)) - Int(Date().timeIntervalSince1970)) <= 5)
            let signature = try #require(request.headers["x-facepipe-signature"])
            try WebhookSignature.verify(signature: signature, timestamp: timestamp, body: Data(request.body.utf8), secret: testSecret)
        }
    }

    @Test func clientErrorsArePermanentServerErrorsAreRetryable() async throws {
        let statuses = [404, 400, 410, 422, 408, 429, 500, 502, 503, 201, 204]
        try await Receiver.run(script: statuses) { receiver in
            let handler = WebhookDeliveryHandler(secret: testSecret, timeoutSeconds: 5)
            for status in statuses {
                do {
                    try await handler.handle(try job(receiver.url), context: context)
                    #expect((200..<300).contains(status), "\(status) counted as delivered")
                } catch let error as PermanentJobError {
                    #expect((400..<500).contains(status) && status != 408 && status != 429, "\(status) failed permanently")
                    #expect(error.message.contains("answered \(status)"))
                    #expect(error.message.contains("scripted \(status)"), "the start of the answer is kept for the error log")
                } catch let error as WebhookDeliveryError {
                    #expect([408, 429, 500, 502, 503].contains(status), "\(status) retried")
                    #expect(error.status == status)
                    #expect(error.target == "http://127.0.0.1:\(receiver.port)")
                }
            }
            #expect(await receiver.requests.count == statuses.count)
        }
    }

    @Test func redirectsAreNotFollowed() async throws {
        try await Receiver.run { receiver in
            let handler = WebhookDeliveryHandler(secret: testSecret, timeoutSeconds: 5)
            await #expect(throws: PermanentJobError.self) {
                try await handler.handle(try job(receiver.url("/redirect")), context: context)
            }
            #expect(await receiver.requests.map(\.path) == ["/redirect"])
        }
    }

    @Test func timeoutAndRefusedConnectionAreRetryable() async throws {
        try await Receiver.run { receiver in
            // The receiver never answers until released below: only the 1 s timeout can end it.
            let handler = WebhookDeliveryHandler(secret: testSecret, timeoutSeconds: 1)
            let slow = await #expect(throws: WebhookDeliveryError.self) {
                try await handler.handle(try job(receiver.url("/slow")), context: context)
            }
            #expect(slow?.status == nil)
            await receiver.releaseSlow()
        }
        // Nothing listens on port 1 of the loopback address.
        let handler = WebhookDeliveryHandler(secret: testSecret, timeoutSeconds: 2)
        let refused = await #expect(throws: WebhookDeliveryError.self) {
            try await handler.handle(try job("http://127.0.0.1:1/hook?token=hidden"), context: context)
        }
        #expect(refused?.status == nil)
        #expect(refused?.description.contains("hidden") == false, "error logs show scheme, host and port only")
    }

    @Test func badJobPayloadsFailPermanently() async throws {
        let handler = WebhookDeliveryHandler(secret: testSecret)
        for payload in [#"{"url":"http://127.0.0.1:1/x"}"#, #"{"url":"http://127.0.0.1:1/x","body":"not json"}"#,
                        #"{"url":"file:///etc/passwd","body":"{\"event\":\"image.processed\"}"}"#] {
            let job = ClaimedJob(id: 1, kind: .webhook, payload: payload, imageID: nil, attempt: 1, maxAttempts: 8, correlationID: nil)
            await #expect(throws: PermanentJobError.self) { try await handler.handle(job, context: context) }
        }
    }

    @Test func registrationNeedsASecret() {
        var registry = JobHandlerRegistry()
        registry.registerWebhooks(WebhookConfig())
        #expect(registry.kinds.isEmpty)
        registry.registerWebhooks(WebhookConfig(urls: ["http://127.0.0.1:1/x"], secret: testSecret))
        #expect(registry.kinds == ["webhook"])
    }
}

/// Enqueue → PostgreSQL queue → WorkerPool → handler → receiver, end to end.
@Suite struct WebhookQueueTests {
    let logger = TestDatabase.logger

    /// A long timeout: these tests script the receiver's answers, and on a machine busy with the
    /// whole suite a 5 s deadline once expired before the scripted 500 arrived, so the error log
    /// named the timeout instead (the timeout itself is tested above with its own handler).
    func config(_ urls: [String], maxAttempts: Int = 8) -> WebhookConfig {
        WebhookConfig(urls: urls, secret: testSecret, timeoutSeconds: 30, maxAttempts: maxAttempts)
    }

    /// Enqueues `payload` in a transaction of its own.
    func enqueue(_ enqueuer: WebhookEnqueuer, _ payload: WebhookPayload, client: DatabaseClient,
                 correlationID: String? = nil) async throws -> [EnqueueResult] {
        try await client.withTransaction(logger: logger) { connection in
            try await enqueuer.enqueue(payload, on: connection, correlationID: correlationID)
        }
    }

    func pool(_ queue: JobQueue, _ config: WebhookConfig) -> WorkerPool {
        var handlers = JobHandlerRegistry()
        handlers.registerWebhooks(config)
        return WorkerPool(queue: queue, handlers: handlers, config: fastQueue, logger: logger)
    }

    @Test func enqueuedWebhookIsDeliveredSigned() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            try await Receiver.run { receiver in
                let queue = JobQueue(client: client, logger: logger)
                let config = config([receiver.url])
                let payload = WebhookTestData.payload(imageId: try await insertImage(client))
                let results = try await enqueue(WebhookEnqueuer(queue: queue, config: config), payload, client: client,
                                                correlationID: "req-1")
                let id = try #require(results.first?.jobID)
                try await runServices([pool(queue, config)]) {
                    let finished = try await eventually { try await queue.job(id)?.status == .done }
                    #expect(finished)
                }
                let job = try #require(try await queue.job(id))
                #expect(job.attempts == 1)
                let requests = await receiver.requests
                #expect(requests.count == 1)
                let request = try #require(requests.first)
                #expect(request.body == (try payload.jsonBody()))
                #expect(try WebhookPayload.decode(Data(request.body.utf8)) == payload)
                #expect(request.headers["x-facepipe-delivery"] == String(id))
                #expect(request.headers["x-facepipe-event"] == "image.processed")
                #expect(request.headers["content-type"] == "application/json")
                #expect(request.headers["user-agent"] == "facepipe/\(FacepipeVersion.current)")
                let signature = try #require(request.headers["x-facepipe-signature"])
                let timestamp = try #require(request.headers["x-facepipe-timestamp"])
                try WebhookSignature.verify(signature: signature, timestamp: timestamp, body: request.body, secret: testSecret)
                #expect(throws: WebhookSignatureError.mismatch) {
                    try WebhookSignature.verify(signature: signature, timestamp: timestamp, body: request.body,
                                                secret: String(repeating: "x", count: 32))
                }
            }
        }
    }

    @Test func serverErrorIsRetriedThenDelivered() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            try await Receiver.run(script: [500]) { receiver in
                let queue = JobQueue(client: client, logger: logger)
                let config = config([receiver.url])
                let payload = WebhookTestData.payload(imageId: try await insertImage(client))
                let id = try #require(try await enqueue(WebhookEnqueuer(queue: queue, config: config), payload, client: client).first?.jobID)
                try await runServices([pool(queue, config)]) {
                    let finished = try await eventually { try await queue.job(id)?.status == .done }
                    #expect(finished)
                }
                let job = try #require(try await queue.job(id))
                #expect(job.attempts == 2)
                #expect(job.errorLog.count == 1)
                #expect(job.errorLog.first?.error.contains("answered 500") == true)
                let requests = await receiver.requests
                #expect(requests.count == 2)
                // The retry carries the same body and delivery id, signed afresh.
                #expect(Set(requests.map(\.body)) == [try payload.jsonBody()])
                #expect(requests.allSatisfy { $0.headers["x-facepipe-delivery"] == String(id) })
                for request in requests {
                    try WebhookSignature.verify(signature: request.headers["x-facepipe-signature"] ?? "",
                                                timestamp: request.headers["x-facepipe-timestamp"] ?? "",
                                                body: request.body, secret: testSecret)
                }
            }
        }
    }

    @Test func notFoundFailsAfterOneAttempt() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            try await Receiver.run(script: [404, 404, 404]) { receiver in
                let queue = JobQueue(client: client, logger: logger)
                let config = config([receiver.url])
                let payload = WebhookTestData.payload(imageId: try await insertImage(client))
                let id = try #require(try await enqueue(WebhookEnqueuer(queue: queue, config: config), payload, client: client).first?.jobID)
                try await runServices([pool(queue, config)]) {
                    let finished = try await eventually { try await queue.job(id)?.status == .failed }
                    #expect(finished)
                    // Give a wrongly scheduled retry the chance to happen.
                    try await Task.sleep(for: .milliseconds(300))
                }
                let job = try #require(try await queue.job(id))
                #expect(job.status == .failed)
                #expect(job.attempts == 1)
                #expect(job.maxAttempts == 8)
                #expect(job.errorLog.map(\.error) == ["webhook to http://127.0.0.1:\(receiver.port) answered 404: scripted 404"])
                #expect(await receiver.requests.count == 1)
            }
        }
    }

    @Test func oneJobPerURLDedupedWhileQueued() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let urls = ["https://a.example/hook", "https://b.example/hook?token=t"]
            let enqueuer = WebhookEnqueuer(queue: queue, config: config(urls, maxAttempts: 4))
            let imageID = try await insertImage(client)
            let payload = WebhookTestData.payload(imageId: imageID)

            let first = try await enqueue(enqueuer, payload, client: client, correlationID: "req-9")
            #expect(first.count == 2)
            #expect(first.allSatisfy { if case .enqueued = $0 { true } else { false } })
            #expect(Set(first.map(\.jobID)).count == 2)
            for (url, result) in zip(urls, first) {
                let job = try #require(try await queue.job(result.jobID))
                #expect(job.kind == "webhook")
                #expect(job.status == .queued)
                #expect(job.imageID == imageID)
                #expect(job.maxAttempts == 4)
                #expect(job.correlationID == "req-9")
                #expect(job.dedupeKey == WebhookEnqueuer.dedupeKey(imageID: imageID, event: "image.processed", url: url))
            }
            let stored = try await storedPayloads(client)
            #expect(stored == urls.map { WebhookJobPayload(url: $0, body: try! payload.jsonBody()) })

            // Again while queued: the same jobs come back, nothing new is added.
            let second = try await enqueue(enqueuer, payload, client: client)
            #expect(second == first.map { .duplicate(existing: $0.jobID) })
            #expect(try await jobCount(client) == 2)

            // Still deduped while running; once finished, the image can be announced again.
            let claimed = try await queue.claim(worker: "w", kinds: ["webhook"], limit: 10, leaseSeconds: 60)
            #expect(claimed.count == 2)
            #expect(try await enqueue(enqueuer, payload, client: client).map(\.jobID) == first.map(\.jobID))
            _ = try await queue.complete(claimed.map(\.id), worker: "w")
            let third = try await enqueue(enqueuer, payload, client: client)
            #expect(third.allSatisfy { if case .enqueued = $0 { true } else { false } })
            #expect(Set(third.map(\.jobID)).isDisjoint(with: first.map(\.jobID)))
            #expect(try await jobCount(client) == 4)

            // Another image is not a duplicate of this one.
            let other = try await enqueue(enqueuer, WebhookTestData.payload(imageId: try await insertImage(client)), client: client)
            #expect(other.allSatisfy { if case .enqueued = $0 { true } else { false } })

            // Webhooks off: nothing is queued.
            let off = try await enqueue(WebhookEnqueuer(queue: queue, config: WebhookConfig()), payload, client: client)
            #expect(off.isEmpty)
            #expect(try await jobCount(client) == 6)
        }
    }

    func jobCount(_ client: DatabaseClient) async throws -> Int {
        let rows = try await client.query("SELECT count(*)::int8 FROM jobs WHERE kind = 'webhook'")
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    func storedPayloads(_ client: DatabaseClient) async throws -> [WebhookJobPayload] {
        let rows = try await client.query("SELECT payload::text FROM jobs WHERE kind = 'webhook' ORDER BY id")
        var result: [WebhookJobPayload] = []
        for try await text in rows.decode(String.self) {
            result.append(try JSONDecoder().decode(WebhookJobPayload.self, from: Data(text.utf8)))
        }
        return result
    }
}
