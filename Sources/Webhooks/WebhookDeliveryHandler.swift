import AsyncHTTPClient
import FacepipeCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Queue

/// Runs `webhook` jobs: POSTs the stored body to the stored URL, signed (see `WebhookSignature`).
///
/// Outcome by answer:
/// - 2xx: delivered, the job is done;
/// - 5xx, 408, 429, a timeout or a network error: a plain error, so the queue retries with
///   backoff until the job's `max_attempts` (`WEBHOOK_MAX_ATTEMPTS`);
/// - anything else (other 4xx, and 3xx: redirects are not followed, since following a 301/302
///   would turn the POST into a bodiless GET): `PermanentJobError`, retrying cannot help.
///
/// Delivery is at-least-once: a receiver may see the same `X-Facepipe-Delivery` twice.
public struct WebhookDeliveryHandler: JobHandler {
    public static let userAgent = "facepipe/\(FacepipeVersion.current)"

    /// A client for webhooks: redirects off, certificates verified, process lifetime (like
    /// `HTTPClient.shared`, it is never shut down).
    public static let defaultHTTPClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    public let secret: String
    public let timeoutSeconds: Int
    let httpClient: HTTPClient

    public init(secret: String, timeoutSeconds: Int = 10, httpClient: HTTPClient = WebhookDeliveryHandler.defaultHTTPClient) {
        self.secret = secret
        self.timeoutSeconds = timeoutSeconds
        self.httpClient = httpClient
    }

    /// nil when no `WEBHOOK_SECRET` is configured (nothing is ever sent unsigned).
    public init?(config: WebhookConfig, httpClient: HTTPClient = WebhookDeliveryHandler.defaultHTTPClient) {
        guard let secret = config.secret else { return nil }
        self.init(secret: secret, timeoutSeconds: config.timeoutSeconds, httpClient: httpClient)
    }

    public func handle(_ job: ClaimedJob, context: JobContext) async throws {
        let payload: WebhookJobPayload
        let event: String
        do {
            payload = try job.decodePayload(WebhookJobPayload.self)
            event = try JSONDecoder().decode(EventName.self, from: Data(payload.body.utf8)).event
        } catch {
            throw PermanentJobError("invalid webhook job payload: \(error)")
        }
        guard WebhookConfig.isValidURL(payload.url) else {
            throw PermanentJobError("webhook URL is not an absolute http(s) URL")
        }
        let target = Self.displayTarget(payload.url)
        let timestamp = Int(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: payload.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        request.headers.add(name: "X-Facepipe-Event", value: event)
        request.headers.add(name: "X-Facepipe-Delivery", value: String(job.id))
        request.headers.add(name: "X-Facepipe-Timestamp", value: String(timestamp))
        request.headers.add(name: "X-Facepipe-Signature",
                            value: WebhookSignature.sign(body: payload.body, timestamp: timestamp, secret: secret))
        request.body = .bytes(ByteBuffer(string: payload.body))

        let start = ContinuousClock.now
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: .seconds(Int64(timeoutSeconds)), logger: context.logger)
        } catch {
            throw WebhookDeliveryError(target: target, status: nil, detail: String(describing: error))
        }
        let status = Int(response.status.code)
        let excerpt = await Self.excerpt(response.body)
        let elapsed = ContinuousClock.now - start
        switch status {
        case 200..<300:
            context.logger.info("webhook delivered", metadata: [
                "webhook_target": "\(target)", "webhook_event": "\(event)", "status": "\(status)",
                "duration_ms": "\(Int((elapsed / .milliseconds(1)).rounded()))",
            ])
        case 408, 429, 500..<600:
            throw WebhookDeliveryError(target: target, status: status, detail: excerpt)
        default:
            throw PermanentJobError(WebhookDeliveryError(target: target, status: status, detail: excerpt).description)
        }
    }

    private struct EventName: Decodable { let event: String }

    /// `scheme://host[:port]` only: paths and queries of webhook URLs often carry tokens, and
    /// error messages end up in the jobs API.
    static func displayTarget(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return "(invalid URL)"
        }
        return components.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }

    /// The first few hundred bytes of a response body, for the error log; the rest is dropped.
    static func excerpt(_ body: HTTPClientResponse.Body, limit: Int = 256) async -> String {
        var bytes: [UInt8] = []
        do {
            for try await chunk in body {
                bytes.append(contentsOf: chunk.readableBytesView.prefix(limit - bytes.count))
                if bytes.count >= limit { break }
            }
        } catch {}
        return String(decoding: bytes, as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ")
            .trimmingCharacters(in: .whitespaces)
    }
}

/// A delivery that did not succeed; retried unless wrapped in a `PermanentJobError`.
public struct WebhookDeliveryError: Error, CustomStringConvertible, Equatable {
    /// `scheme://host[:port]` of the receiver.
    public var target: String
    /// The HTTP status, or nil when no answer came (timeout, connection refused, TLS…).
    public var status: Int?
    public var detail: String

    public init(target: String, status: Int?, detail: String) {
        self.target = target
        self.status = status
        self.detail = detail
    }

    public var description: String {
        let outcome = status.map { "answered \($0)" } ?? "failed"
        return detail.isEmpty ? "webhook to \(target) \(outcome)" : "webhook to \(target) \(outcome): \(detail)"
    }
}

extension JobHandlerRegistry {
    /// Registers the `webhook` job handler when a secret is configured (deliveries already
    /// queued are sent even if `WEBHOOK_URLS` has since been emptied).
    public mutating func registerWebhooks(_ config: WebhookConfig, httpClient: HTTPClient = WebhookDeliveryHandler.defaultHTTPClient) {
        if let handler = WebhookDeliveryHandler(config: config, httpClient: httpClient) {
            register(.webhook, handler)
        }
    }
}
