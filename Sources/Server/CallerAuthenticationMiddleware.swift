import FacepipeCore
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Services

/// Makes every request's caller: the `Authorization: Bearer` credential (hummingbird-auth parses
/// it) checked by `CallerAuthenticator`, the client address from `X-Forwarded-For` only when the
/// peer is a trusted proxy. An invalid credential ends the request with 401; no credential is
/// the anonymous caller, whom the services then refuse or serve.
struct CallerAuthenticationMiddleware: AuthenticatorMiddleware {
    typealias Context = AppRequestContext
    typealias Identity = Caller

    let authenticator: CallerAuthenticator
    let trustedProxies: Set<String>

    func authenticate(request: Request, context: Context) async throws -> Caller? {
        let address = Self.clientAddress(peer: context.peerAddress, forwardedFor: request.headers[.xForwardedFor],
                                          trusted: trustedProxies)
        let header = request.headers[.authorization]
        if let header, request.headers.bearer == nil {
            throw APIError.unauthenticated("unsupported Authorization scheme \(header.split(separator: " ").first ?? ""): use Bearer")
        }
        return try await authenticator.authenticate(bearer: request.headers.bearer?.token, address: address,
                                                    requestID: context.requestID)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let caller = try await authenticate(request: request, context: context)
        context.identity = caller
        // Every log line of the request names the caller (an id, never the secret).
        context.logger[metadataKey: "caller"] = .string(caller?.id ?? "anonymous")
        return try await next(request, context)
    }

    /// The nearest address in `X-Forwarded-For` that is not itself a trusted proxy, when the
    /// peer is one; otherwise the peer. A client cannot forge its address through an untrusted hop.
    static func clientAddress(peer: String?, forwardedFor: String?, trusted: Set<String>) -> String? {
        guard let peer, trusted.contains(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.reversed().first { !trusted.contains($0) } ?? peer
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let wwwAuthenticate = HTTPField.Name("WWW-Authenticate")!
}
