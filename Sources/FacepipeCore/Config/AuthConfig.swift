import Foundation

/// Who may call facepipe and how often: API keys (always), optional OIDC tokens, the public
/// modes, per-caller limits, and what erasure leaves behind.
public struct AuthConfig: Sendable, Equatable {
    /// Verifying JWTs from the platform's identity provider (`AUTH_JWT_*`); nil = API keys only.
    public struct JWT: Sendable, Equatable {
        public enum KeySource: Sendable, Equatable {
            case url(String)
            case file(String)
        }
        public var keys: KeySource
        public var issuer: String?
        public var audience: String?
        /// The claim that holds the role (`standard`, `gold` or `admin`).
        public var roleClaim: String

        public init(keys: KeySource, issuer: String? = nil, audience: String? = nil, roleClaim: String = "role") {
            self.keys = keys
            self.issuer = issuer
            self.audience = audience
            self.roleClaim = roleClaim
        }
    }

    public enum ErasedReupload: String, Sendable, Equatable, CaseIterable {
        /// A re-upload of erased bytes is refused with 410 `erased`.
        case reject
        /// Erased bytes may come back as a new image.
        case allow
    }

    public var policy: AccessPolicy
    public var jwt: JWT?
    /// Where `serve` writes the first admin key when none exists (mode 0600).
    public var adminKeyFile: String
    /// Peers whose `X-Forwarded-*` headers are believed (addresses or CIDR networks).
    public var trustedProxies: TrustedProxies
    /// Per caller (key or token subject; the address for anonymous callers). 0 = off.
    public var uploadsPerMinute: Int
    public var faceSearchesPerMinute: Int
    /// The window the per-minute limits refill over: a minute, as the settings say. Not a
    /// setting: tests that count refusals stretch it to a day, so whether a token came back
    /// never depends on how slowly a busy machine ran the test.
    public var rateLimitWindow: Duration
    public var erasedReupload: ErasedReupload

    public init(policy: AccessPolicy = AccessPolicy(), jwt: JWT? = nil, adminKeyFile: String = ".data/admin.key",
                trustedProxies: TrustedProxies = [], uploadsPerMinute: Int = 20, faceSearchesPerMinute: Int = 10,
                rateLimitWindow: Duration = .seconds(60), erasedReupload: ErasedReupload = .reject) {
        self.rateLimitWindow = rateLimitWindow
        self.policy = policy
        self.jwt = jwt
        self.adminKeyFile = adminKeyFile
        self.trustedProxies = trustedProxies
        self.uploadsPerMinute = uploadsPerMinute
        self.faceSearchesPerMinute = faceSearchesPerMinute
        self.erasedReupload = erasedReupload
    }

    /// `http://127.0.0.1…`, `http://[::1]…` or `http://localhost…` (then `:`, `/` or the end).
    static func isLoopbackHTTP(_ url: String) -> Bool {
        ["http://127.0.0.1", "http://[::1]", "http://localhost"].contains { prefix in
            guard url.lowercased().hasPrefix(prefix) else { return false }
            let rest = url.dropFirst(prefix.count)
            return rest.isEmpty || rest.hasPrefix(":") || rest.hasPrefix("/")
        }
    }

    public init(from source: some ConfigSource) throws {
        var jwt: JWT?
        let url = source.value("AUTH_JWT_JWKS_URL"), file = source.value("AUTH_JWT_JWKS_FILE")
        if url != nil && file != nil {
            throw ConfigError(variable: "AUTH_JWT_JWKS_FILE", value: file ?? "", expected: "unset when AUTH_JWT_JWKS_URL is set (one key source)")
        }
        if let url {
            // The key set decides who is admin: fetched over plain HTTP, anyone on the path could
            // swap it. Plain HTTP only to this machine (a sidecar, the tests).
            guard url.hasPrefix("https://") || Self.isLoopbackHTTP(url) else {
                throw ConfigError(variable: "AUTH_JWT_JWKS_URL", value: url,
                                  expected: "an https:// URL (http:// only to 127.0.0.1, [::1] or localhost)")
            }
            jwt = JWT(keys: .url(url))
        } else if let file {
            jwt = JWT(keys: .file(file))
        }
        if jwt != nil {
            // Without both, a token the same provider issued to another application (or for
            // another tenant) would be accepted here.
            for name in ["AUTH_JWT_ISSUER", "AUTH_JWT_AUDIENCE"] where (source.value(name) ?? "").isEmpty {
                throw ConfigError(variable: name, value: "",
                                  expected: "the provider's \(name == "AUTH_JWT_ISSUER" ? "issuer (iss)" : "audience (aud) for facepipe"): required with OIDC")
            }
            jwt?.issuer = source.value("AUTH_JWT_ISSUER")
            jwt?.audience = source.value("AUTH_JWT_AUDIENCE")
            jwt?.roleClaim = source.string("AUTH_JWT_ROLE_CLAIM", default: "role")
        } else {
            for name in ["AUTH_JWT_ISSUER", "AUTH_JWT_AUDIENCE"] where source.value(name) != nil {
                throw ConfigError(variable: name, value: source.value(name) ?? "", expected: "AUTH_JWT_JWKS_URL or AUTH_JWT_JWKS_FILE to be set too")
            }
        }
        self.init(
            policy: AccessPolicy(publicUploads: try source.bool("PUBLIC_UPLOADS", default: false),
                                 publicMetrics: try source.bool("METRICS_PUBLIC", default: false)),
            jwt: jwt,
            adminKeyFile: source.string("ADMIN_KEY_FILE", default: ".data/admin.key"),
            trustedProxies: try Self.trustedProxies(source),
            uploadsPerMinute: try source.int("RATE_LIMIT_UPLOADS_PER_MINUTE", default: 20, range: 0...1_000_000),
            faceSearchesPerMinute: try source.int("RATE_LIMIT_FACE_SEARCHES_PER_MINUTE", default: 10, range: 0...1_000_000),
            erasedReupload: try source.choice("ERASED_REUPLOAD", default: ErasedReupload.reject))
    }

    private static func trustedProxies(_ source: some ConfigSource) throws -> TrustedProxies {
        let raw = source.value("TRUSTED_PROXIES") ?? ""
        do { return try TrustedProxies(parsing: raw) } catch {
            throw ConfigError(variable: "TRUSTED_PROXIES", value: raw,
                              expected: "comma-separated addresses or CIDR networks such as 10.0.0.7, 10.42.0.0/16; \"\(error.entry)\" is neither")
        }
    }
}
