import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import Storage

/// The scheme and host a request was made to, so the API's links are absolute without
/// `PUBLIC_BASE_URL` (issue 24: a link that leaves the service must work where it lands).
///
/// The `Host` header names the host; the scheme is `http` (facepipe itself does not terminate
/// TLS). Behind a trusted proxy (`TRUSTED_PROXIES`), `X-Forwarded-Proto` and `X-Forwarded-Host`
/// say what the client used. A host that is not a plain `name[:port]` or `[v6]:port` gives no
/// base (links stay paths) rather than a link an attacker shaped.
enum RequestBaseURL {
    static func from(host: String?, forwardedProto: String?, forwardedHost: String?, peerIsTrustedProxy: Bool) -> String? {
        let host = (peerIsTrustedProxy ? lastValue(forwardedHost) : nil) ?? host
        guard let host, isPlainHost(host) else { return nil }
        let proto = peerIsTrustedProxy ? lastValue(forwardedProto)?.lowercased() : nil
        let scheme = proto == "https" ? "https" : "http"
        return "\(scheme)://\(host.lowercased())"
    }

    /// A proxy that appends rather than sets puts its value last; earlier ones may be the
    /// client's own (a proxy passes what it is sent unless told to replace it).
    static func lastValue(_ header: String?) -> String? {
        header?.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Letters, digits, dots and hyphens, or a bracketed IPv6 address; then an optional port.
    static func isPlainHost(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 255 else { return false }
        var name = Substring(host)
        if name.hasPrefix("[") {
            guard let close = name.firstIndex(of: "]") else { return false }
            let address = name[name.index(after: name.startIndex)..<close]
            guard !address.isEmpty, address.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
            name = name[name.index(after: close)...]
            if name.isEmpty { return true }
            guard name.hasPrefix(":") else { return false }
            return isPort(name.dropFirst())
        }
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let label = parts.first, !label.isEmpty,
              label.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "." || $0 == "-" })
        else { return false }
        return parts.count == 1 || isPort(parts[1])
    }

    static func isPort(_ text: Substring) -> Bool {
        guard (1...5).contains(text.count), text.allSatisfy(\.isASCII), let port = Int(text) else { return false }
        return (1...65535).contains(port)
    }
}

/// Around every API operation (not the pages, whose links stay same-origin paths): links in the
/// answer start with the request's base (`MediaLinks.requestBaseURL`).
struct AbsoluteLinksMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        try await MediaLinks.$requestBaseURL.withValue(RequestContextStore.current?.baseURL ?? "") {
            try await next(request, body, metadata)
        }
    }
}
