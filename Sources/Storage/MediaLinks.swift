import FacepipeCore
import Foundation

/// Builds the URLs the API hands out for media, and checks the signatures on the way back in.
///
/// Every `/media` URL is signed and short-lived (issue 22): who may see which file is decided
/// when the link is made (`ImageService` picks the files by role), and a link is the only way
/// in, so editing its path or keeping it past its expiry gets nothing, revoking a key ends its
/// holder's access within one lifetime, and no cache keeps a copy beyond it.
public struct MediaLinks: Sendable {
    let signer: URLSigner
    /// `PUBLIC_BASE_URL` without its trailing slash; empty when unset.
    let baseURL: String
    /// Where links point when `PUBLIC_BASE_URL` is unset and no request says (webhooks sent by a
    /// worker): the address `serve` listens on, as seen from this host.
    let fallbackBaseURL: String
    public let ttlSeconds: Int

    /// The scheme and host the current API request was made to (`RequestBaseURL`), so links in
    /// its answer are absolute and reach the same server. Set only around API operations: pages
    /// keep same-origin relative links.
    @TaskLocal public static var requestBaseURL: String?

    /// Links in webhooks: the receiver may fetch them long after the event (deliveries retry
    /// with backoff for hours), and it is the platform's own back end, an admin-level reader.
    public static let webhookTTLSeconds = 86_400

    /// Expiries are rounded up to this many seconds, so one caller reloading a page within the
    /// window gets the same URLs and its browser cache can answer.
    static let expiryGranularity: Int64 = 60

    public init(signer: URLSigner, baseURL: String?, fallbackBaseURL: String? = nil, ttlSeconds: Int) {
        self.signer = signer
        self.baseURL = (baseURL ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.fallbackBaseURL = (fallbackBaseURL ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.ttlSeconds = ttlSeconds
    }

    /// What every link starts with: `PUBLIC_BASE_URL`, else the current request's own base,
    /// else the fallback (empty only in tests that give none: then links are paths).
    public var base: String {
        if !baseURL.isEmpty { return baseURL }
        return Self.requestBaseURL ?? fallbackBaseURL
    }

    /// `http://host:port` for a server listening on `host` (a wildcard address is reached as
    /// localhost): the fallback base when nothing better is known.
    public static func localBaseURL(host: String, port: Int) -> String {
        let reachable = ["0.0.0.0", "::", "[::]", ""].contains(host) ? "localhost" : (host.contains(":") ? "[\(host)]" : host)
        return "http://\(reachable):\(port)"
    }

    /// A signed GET link to `key`, valid for at least `ttlSeconds` (this link's lifetime
    /// when given, else the configured one).
    public func url(forKey key: String, ttlSeconds: Int? = nil, now: Date = Date()) -> String {
        let path = "/media/" + key
        let ttl = Int64(ttlSeconds ?? self.ttlSeconds)
        let earliest = Int64(now.timeIntervalSince1970.rounded(.up)) + ttl
        let expires = (earliest + Self.expiryGranularity - 1) / Self.expiryGranularity * Self.expiryGranularity
        return base + ((try? signer.signedPath(method: "GET", path: path, expires: Date(timeIntervalSince1970: Double(expires)))) ?? path)
    }

    /// `Cache-Control` for a response to a link that expires at `expires`: private (never a
    /// shared cache), and no longer than the link itself lives.
    public static func cacheControl(expires: Int64, now: Date = Date()) -> String {
        let left = max(0, expires - Int64(now.timeIntervalSince1970.rounded(.down)))
        return left > 0 ? "private, max-age=\(left)" : "private, no-store"
    }

    public func signedUploadURL(id: UUID, expires: Date) throws -> String {
        base + (try signer.signedPath(method: "PUT", path: "/uploads/\(id.uuidString.lowercased())", expires: expires))
    }

    public func verifyUpload(path: String, expires: Int64, signature: String) throws {
        try verify(method: "PUT", path: path, expires: expires, signature: signature)
    }

    public func verify(method: String, path: String, expires: Int64, signature: String) throws {
        do {
            try signer.verify(method: method, path: path, expires: expires, signature: signature)
        } catch .expired {
            throw APIError(status: 403, code: "url_expired", message: "this signed URL has expired")
        } catch .invalidPath {
            throw APIError.badRequest("invalid path", code: "invalid_path")
        } catch {
            throw APIError(status: 403, code: "invalid_signature", message: "missing or invalid signature")
        }
    }
}
