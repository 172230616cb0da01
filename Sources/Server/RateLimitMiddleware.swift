import FacepipeCore
import Hummingbird
import Persistence

/// Per-caller limits (the key or token subject; the address for anonymous callers) on the
/// routes that take files in and on face search: 429 with Retry-After when exceeded. The
/// buckets live in PostgreSQL, shared by every replica; now and then idle ones are dropped.
struct CallerRateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// nil = no limit.
    let uploads: SharedRateLimiter?
    let faceSearches: SharedRateLimiter?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let (limiter, what): (SharedRateLimiter?, String) =
            Self.isUpload(request) ? (uploads, "uploads") : Self.isFaceSearch(request) ? (faceSearches, "face searches") : (nil, "")
        if let limiter, UInt8.random(in: 0...255) == 0 { try? await limiter.sweep() }
        if let limiter, case .limited(let seconds) = try await limiter.check(context.caller.rateLimitKey) {
            throw APIError(status: 429, code: "rate_limited", message: "too many \(what) from this caller; retry in \(seconds) s",
                           retryAfterSeconds: seconds)
        }
        return try await next(request, context)
    }

    static func isUpload(_ request: Request) -> Bool {
        let path = routedPath(request.uri.path)
        switch request.method {
        case .post: return path == "/upload/images" || path == "/upload/documents" || path == "/upload-init"
            || path == "/upload/presigned" || path == "/upload/receipt/process"
        case .put: return path.hasPrefix("/uploads/")
        default: return false
        }
    }

    static func isFaceSearch(_ request: Request) -> Bool {
        request.method == .post && routedPath(request.uri.path) == "/search/face"
    }

    /// The path as the router resolves it: the trie router skips empty segments, so
    /// `//upload/images` and `/search/face/` reach the same handlers as the plain paths and must
    /// count against the same limits. Segments are percent-decoded and lowercased too: matching
    /// more spellings than the router does limits a 404 at worst, never skips a limit.
    static func routedPath(_ raw: String) -> String {
        let segments = raw.split(separator: "/", omittingEmptySubsequences: true).map { segment in
            (String(segment).removingPercentEncoding ?? String(segment)).lowercased()
        }
        return "/" + segments.joined(separator: "/")
    }
}
