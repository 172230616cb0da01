import FacepipeCore
import Hummingbird
import Storage

/// Hands the request's id, caller and Content-Type to the generated OpenAPI handlers through a
/// task local: they receive only the decoded operation input.
struct RequestContextStoreMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trustedProxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let values = RequestContextStore.Values(
            requestID: context.requestID, caller: context.caller, contentType: request.headers[.contentType],
            baseURL: RequestBaseURL.from(
                host: request.head.authority, forwardedProto: request.headers[.xForwardedProto],
                forwardedHost: request.headers[.xForwardedHost],
                peerIsTrustedProxy: context.peerAddress.map(trustedProxies.contains) ?? false))
        // Links start as same-origin paths here (pages); API operations make them absolute
        // (`AbsoluteLinksMiddleware`). Without this, the worker's fallback base would leak in.
        return try await RequestContextStore.$current.withValue(values) {
            try await MediaLinks.$requestBaseURL.withValue("") {
                try await next(request, context)
            }
        }
    }
}
