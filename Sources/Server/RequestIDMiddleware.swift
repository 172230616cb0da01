import Foundation
import HTTPTypes
import Hummingbird
import Web

/// Accepts the caller's `X-Request-Id` (if it is a sane token) or makes one, puts it in the
/// request's logger as `request_id` and echoes it in the response, so one id ties the access
/// log, the handler's logs and the jobs the request enqueues.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headerName: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = request.headers[Self.headerName].flatMap(Self.sanitised) ?? UUID().uuidString.lowercased()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        do {
            var response = try await next(request, context)
            response.headers[Self.headerName] = id
            return response
        } catch let error as any HTTPResponseError {
            var response = try error.response(from: request, context: context)
            response.headers[Self.headerName] = id
            return response
        }
    }

    /// Up to 128 visible ASCII characters, so a header cannot inject log or header content.
    static func sanitised(_ value: String) -> String? {
        guard !value.isEmpty, value.utf8.count <= 128,
              value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else { return nil }
        return value
    }
}

