import Crypto
import FacepipeCore
import Foundation
import PostgresNIO
import Queue

/// The payload of a `webhook` job: where to POST and the exact bytes to send.
///
/// The body is rendered once, at enqueue time, so every retry sends the same bytes (only the
/// timestamp and signature headers change).
public struct WebhookJobPayload: Sendable, Codable, Equatable {
    public var url: String
    /// The JSON text to send, verbatim.
    public var body: String

    public init(url: String, body: String) {
        self.url = url
        self.body = body
    }
}

/// Queues one `webhook` job per configured receiver.
public struct WebhookEnqueuer: Sendable {
    public let queue: JobQueue
    public let config: WebhookConfig

    public init(queue: JobQueue, config: WebhookConfig) {
        self.queue = queue
        self.config = config
    }

    /// Enqueues `payload` for every URL in `WEBHOOK_URLS`, in the caller's transaction (so the
    /// webhooks exist exactly when the result they announce does). Returns one result per URL,
    /// in configuration order; none when webhooks are off.
    ///
    /// Dedupe key `webhook:<imageId>:<event>:<sha256(url)>`: while a delivery of this event for
    /// this image to this URL is queued or running, another enqueue returns that job
    /// (`.duplicate`) instead of adding a second one; once it has finished, the image can be
    /// announced again (e.g. after reprocessing). The jobs carry the image id, so they go with
    /// the image if it is deleted.
    @discardableResult
    public func enqueue(_ payload: WebhookPayload, on connection: PostgresConnection, correlationID: String? = nil)
        async throws -> [EnqueueResult]
    {
        let jobs = try jobs(for: payload, correlationID: correlationID)
        guard !jobs.isEmpty else { return [] }
        return try await queue.enqueue(jobs, on: connection)
    }

    /// The jobs `enqueue` would add.
    public func jobs(for payload: WebhookPayload, correlationID: String? = nil) throws -> [NewJob] {
        try jobs(event: payload.event, body: try payload.jsonBody(), imageID: payload.imageId, subject: nil, correlationID: correlationID)
    }

    /// Queues an `image.anonymized` delivery (one per variant: its id is the subject).
    @discardableResult
    public func enqueue(_ payload: AnonymizedPayload, on connection: PostgresConnection, correlationID: String? = nil)
        async throws -> [EnqueueResult]
    {
        let jobs = try jobs(event: payload.event, body: try payload.jsonBody(), imageID: payload.imageId,
                            subject: payload.variantId.uuidString.lowercased(), correlationID: correlationID)
        guard !jobs.isEmpty else { return [] }
        return try await queue.enqueue(jobs, on: connection)
    }

    /// Queues a `report.linked` delivery: two reports were connected for the first time.
    @discardableResult
    public func enqueue(_ link: ReportLinkedPayload, on connection: PostgresConnection, correlationID: String? = nil)
        async throws -> [EnqueueResult]
    {
        let jobs = try jobs(event: link.event, body: try link.jsonBody(), imageID: link.imageId,
                            subject: "\(link.reports.joined(separator: "+")):\(link.kind)", correlationID: correlationID)
        guard !jobs.isEmpty else { return [] }
        return try await queue.enqueue(jobs, on: connection)
    }

    func jobs(event: String, body: String, imageID: UUID, subject: String?, correlationID: String?) throws -> [NewJob] {
        guard config.isEnabled else { return [] }
        return try config.urls.map { url in
            try NewJob(
                kind: .webhook, payload: WebhookJobPayload(url: url, body: body), imageID: imageID,
                dedupeKey: Self.dedupeKey(imageID: imageID, event: subject.map { "\(event):\($0)" } ?? event, url: url),
                correlationID: correlationID, maxAttempts: config.maxAttempts)
        }
    }

    /// `webhook:<lowercase image id>:<event>:<hex SHA-256 of the URL>` (the URL itself may hold a
    /// token, and keys are visible in the jobs API).
    public static func dedupeKey(imageID: UUID, event: String, url: String) -> String {
        "webhook:\(imageID.uuidString.lowercased()):\(event):\(WebhookSignature.hex(SHA256.hash(data: Data(url.utf8))))"
    }
}
