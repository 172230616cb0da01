import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird

extension APIError: HTTPResponseError {
    public var status: HTTPResponse.Status { .init(code: httpStatus) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ErrorBody(error: .init(code: code, message: message))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if httpStatus == 503 { headers[.retryAfter] = "5" }
        let data = try JSONEncoder().encode(body)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

struct ErrorBody: Codable {
    struct Detail: Codable {
        var code: String
        var message: String
    }
    var error: Detail
}

/// Turns every error into the API's JSON shape. Framework errors keep their status; anything
/// unexpected becomes a 500 that names the request id (the details go to the log only).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw APIError(status: Int(error.status.code), code: Self.code(for: error.status),
                           message: error.body ?? error.status.reasonPhrase)
        } catch let error as any HTTPResponseError {
            throw APIError(status: Int(error.status.code), code: Self.code(for: error.status), message: error.status.reasonPhrase)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError(status: 500, code: "internal_error", message: "internal error (request \(context.requestID))")
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 408: "request_timeout"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        case 422: "unprocessable"
        case 429: "rate_limited"
        case 503: "unavailable"
        default: status.code >= 500 ? "internal_error" : "http_\(status.code)"
        }
    }
}
