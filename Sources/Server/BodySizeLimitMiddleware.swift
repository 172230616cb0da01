import FacepipeCore
import HTTPTypes
import Hummingbird
import NIOCore

/// Caps every request body before routing (issue 22): 64 KiB on JSON and form routes, the
/// upload limits on the routes that take files. A declared `Content-Length` over the cap is
/// refused at once (413, nothing read); a body without one (chunked) is cut off with the same
/// 413 as soon as it passes the cap, so no handler or decoder ever holds more.
struct BodySizeLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let jsonLimit = 64 << 10
    /// Every file of the largest request the upload routes accept, plus room for multipart
    /// framing and fields (the spooler enforces the per-file limit on the way in).
    let fileLimit: Int

    init(maxFileBytes: Int, maxFilesPerRequest: Int) {
        fileLimit = maxFileBytes * max(1, maxFilesPerRequest) + (1 << 20)
    }

    func limit(for request: Request) -> Int {
        CallerRateLimitMiddleware.isUpload(request) || CallerRateLimitMiddleware.isFaceSearch(request) ? fileLimit : Self.jsonLimit
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = limit(for: request)
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw Self.tooLarge(limit)
        }
        guard request.headers[.contentLength] == nil else { return try await next(request, context) }
        var request = request
        request.body = RequestBody(asyncSequence: LimitedBody(base: request.body, limit: limit))
        return try await next(request, context)
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(status: 413, code: "body_too_large", message: "the request body is larger than this route accepts (\(limit) bytes)")
    }

    /// The body's chunks until `limit` bytes have passed, then a 413.
    struct LimitedBody: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let base: RequestBody
        let limit: Int

        struct AsyncIterator: AsyncIteratorProtocol {
            var base: RequestBody.AsyncIterator
            let limit: Int
            var seen = 0

            mutating func next() async throws -> ByteBuffer? {
                guard let chunk = try await base.next() else { return nil }
                seen += chunk.readableBytes
                if seen > limit { throw BodySizeLimitMiddleware.tooLarge(limit) }
                return chunk
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit) }
    }
}
