import FacepipeCore
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Services
import Web

/// Makes every request's caller: the `Authorization: Bearer` credential (hummingbird-auth parses
/// it) checked by `CallerAuthenticator`, the client address from `X-Forwarded-For` only when the
/// peer is a trusted proxy. An invalid credential ends the request with 401; no credential is
/// the anonymous caller, whom the services then refuse or serve.
struct CallerAuthenticationMiddleware: AuthenticatorMiddleware {
    typealias Context = AppRequestContext
    typealias Identity = Caller

    let authenticator: CallerAuthenticator
    let trustedProxies: TrustedProxies

    func authenticate(request: Request, context: Context) async throws -> Caller? {
        let address = Self.clientAddress(peer: context.peerAddress, forwardedFor: request.headers[.xForwardedFor],
                                          trusted: trustedProxies)
        let header = request.headers[.authorization]
        if let header, request.headers.bearer == nil {
            throw APIError.unauthenticated("unsupported Authorization scheme \(header.split(separator: " ").first ?? ""): use Bearer")
        }
        // A credential in the request wins; without one, the browser session (the pages and their scripts).
        if header == nil, let session = context.sessions.session {
            guard let caller = try await authenticator.caller(for: session, address: address) else {
                context.sessions.clearSession()  // its key was revoked: the session ends
                return .anonymous(address: address)
            }
            // Cookies ride along on cross-site requests: a state-changing API call made with the
            // session must prove it came from our pages (the token is in their <meta>). Page
            // forms under /ui carry it as a field and are checked by the pages.
            if ![.get, .head, .options].contains(request.method), !request.uri.path.hasPrefix("/ui/"),
               !session.accepts(request.headers[.xCSRFToken])
            {
                throw APIError.forbidden("missing or wrong X-CSRF-Token for a request made with a browser session")
            }
            return caller
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
    static func clientAddress(peer: String?, forwardedFor: String?, trusted: TrustedProxies) -> String? {
        guard let peer, trusted.contains(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.reversed().first { !trusted.contains($0) } ?? peer
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let xForwardedHost = HTTPField.Name("X-Forwarded-Host")!
    static let wwwAuthenticate = HTTPField.Name("WWW-Authenticate")!
    static let xCSRFToken = HTTPField.Name("X-CSRF-Token")!
}
