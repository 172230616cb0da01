import HTTPTypes
import Hummingbird
import NIOCore

/// Lets a POST without a body reach operations whose JSON body is optional (today
/// `POST /images/{id}/process`, which seed 002's clients call bare, and its document twin). The OpenAPI transport hands
/// the generated code an empty body rather than none, and decoding "" as JSON fails; an empty
/// body without a Content-Type is therefore read as `{}` ("all defaults"). Any body that has
/// bytes or a type is left alone.
struct OptionalJSONBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Whether `path` names an operation whose body may be left out.
    let accepts: @Sendable (String) -> Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, request.headers[.contentType] == nil, request.headers[.transferEncoding] == nil,
              request.headers[.contentLength].map({ $0 == "0" }) ?? true, accepts(request.uri.path) else {
            return try await next(request, context)
        }
        var head = request.head
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.contentLength] = "2"
        return try await next(Request(head: head, body: RequestBody(buffer: ByteBuffer(string: "{}"))), context)
    }

    /// `/images/{id}/process` and `/documents/{id}/process`.
    static var process: OptionalJSONBodyMiddleware {
        OptionalJSONBodyMiddleware { path in
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 4 && parts[0].isEmpty && (parts[1] == "images" || parts[1] == "documents") && parts[3] == "process"
        }
    }
}
