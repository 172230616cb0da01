import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import Persistence
import PostgresNIO

extension APIError: HTTPResponseError {
    public var status: HTTPResponse.Status { .init(code: httpStatus) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ErrorBody(error: .init(code: code, message: message, faces: faces?.map(ErrorBody.Face.init)))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let seconds = retryAfterSeconds ?? (httpStatus == 503 ? 5 : nil) { headers[.retryAfter] = String(seconds) }
        if httpStatus == 401 { headers[.wwwAuthenticate] = #"Bearer realm="facepipe""# }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]  // stable: code before message
        let data = try encoder.encode(body)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

struct ErrorBody: Codable {
    struct Detail: Codable {
        var code: String
        var message: String
        var faces: [Face]?
    }
    /// A face of a refused query: its box in fractions (0…1) of the image's size, and its score.
    struct Face: Codable {
        var x, y, width, height, score: Double

        init(_ face: FaceDetection) {
            // The shortest decimal that is the Float (0.4321, not 0.43209999799728394).
            func decimal(_ value: Float) -> Double { Double(value.description) ?? Double(value) }
            (x, y, width, height) = (decimal(face.box.x), decimal(face.box.y), decimal(face.box.width), decimal(face.box.height))
            score = (Double(face.score) * 1000).rounded() / 1000
        }
    }
    var error: Detail
}

/// Turns every error into the API's JSON shape. Framework errors keep their status; anything
/// unexpected becomes a 500 that names the request id (the details go to the log only).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as DatabaseTransactionError where error.closureError is APIError {
            // A service refused from inside a transaction: the refusal, not the wrapper, is the answer.
            throw error.closureError as! APIError
        } catch let error as APIError {
            throw error
        } catch let error as ServerError {
            throw Self.apiError(from: error, context: context)
        } catch let error as PSQLError where Self.inputError(error) != nil {
            throw Self.inputError(error)!
        } catch where StorageOutage.answer(for: error) != nil {
            context.logger.warning("media store unavailable", metadata: ["error": "\(String(reflecting: error))"])
            throw StorageOutage.answer(for: error)!
        } catch where DatabaseOutage.matches(error) {
            context.logger.warning("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError.databaseUnavailable
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

    /// Errors from generated handlers: our own typed errors pass through; a request the
    /// runtime could not decode (bad JSON, wrong parameter type, missing part) is a 400.
    static func apiError(from error: ServerError, context: Context) -> APIError {
        if let api = error.underlyingError as? APIError { return api }
        if let api = (error.underlyingError as? DatabaseTransactionError)?.closureError as? APIError { return api }
        if let database = error.underlyingError as? PSQLError, let api = Self.inputError(database) { return api }
        if DatabaseOutage.matches(error.underlyingError) { return .databaseUnavailable }
        if let storage = StorageOutage.answer(for: error.underlyingError) { return storage }
        let status = Int(error.httpStatus.code)
        if (400..<500).contains(status) || error.operationInput == nil {
            let code = (400..<500).contains(status) ? status : 400
            return APIError(status: code, code: Self.code(for: .init(code: code)), message: Self.describe(error))
        }
        context.logger.error("unhandled error", metadata: [
            "operation": "\(error.operationID)", "error": "\(String(reflecting: error.underlyingError))",
        ])
        return APIError(status: 500, code: "internal_error", message: "internal error (request \(context.requestID))")
    }

    /// Text PostgreSQL cannot store (a NUL character, invalid UTF-8) arrives only from clients.
    static func inputError(_ error: PSQLError) -> APIError? {
        guard let state = error.serverInfo?[.sqlState], ["22021", "22P05"].contains(state) else { return nil }
        return APIError.badRequest("text contains characters that cannot be stored (such as NUL)", code: "invalid_text")
    }

    /// A short client-facing reason: the runtime's description without echoing large inputs.
    static func describe(_ error: ServerError) -> String {
        let reason = String(describing: error.underlyingError)
        return String((reason.isEmpty ? error.causeDescription : reason).prefix(300))
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthenticated"
        case 403: "forbidden"
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
