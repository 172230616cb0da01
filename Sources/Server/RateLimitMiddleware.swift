import FacepipeCore
import Hummingbird
import Ingest

/// Per-IP limit on the routes that accept uploads (429 with Retry-After when exceeded).
struct UploadRateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.isUpload(request) {
            if case .limited(let seconds) = limiter.check(context.clientAddress ?? "unknown") {
                throw APIError(status: 429, code: "rate_limited",
                               message: "too many uploads from this address; retry in \(seconds) s", retryAfterSeconds: seconds)
            }
        }
        return try await next(request, context)
    }

    static func isUpload(_ request: Request) -> Bool {
        let path = request.uri.path
        switch request.method {
        case .post: return path == "/upload/images" || path == "/upload-init"
        case .put: return path.hasPrefix("/uploads/")
        default: return false
        }
    }
}
