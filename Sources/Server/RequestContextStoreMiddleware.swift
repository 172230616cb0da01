import Hummingbird

/// Hands the request's id, caller and Content-Type to the generated OpenAPI handlers through a
/// task local: they receive only the decoded operation input.
struct RequestContextStoreMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let values = RequestContextStore.Values(
            requestID: context.requestID, caller: context.caller, contentType: request.headers[.contentType])
        return try await RequestContextStore.$current.withValue(values) {
            try await next(request, context)
        }
    }
}
