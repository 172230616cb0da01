import AsyncHTTPClient
import FacepipeCore
import Foundation
import JWTKit
import Logging
import NIOCore

/// Verifies JWTs from the platform's identity provider with jwt-kit: the signature by `kid`
/// against the provider's JWKS, `exp` (required) and `nbf`, then issuer and audience when
/// configured; the role comes from the configured claim. The JWKS is loaded at start and
/// fetched again when a token names a `kid` it does not hold (at most every 30 s, so a
/// stream of forged kids cannot hammer the provider).
public actor JWTVerifier {
    public struct Rejection: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    let config: AuthConfig.JWT
    let logger: Logger
    private var keys = JWTKeyCollection()
    /// The `kid`s of the loaded set: a token naming another one triggers a fetch.
    private var kids: Set<String> = []
    private var lastFetch: ContinuousClock.Instant?
    let refetchInterval: Duration

    public init(config: AuthConfig.JWT, refetchInterval: Duration = .seconds(30), logger: Logger) {
        self.config = config
        self.refetchInterval = refetchInterval
        self.logger = logger
    }

    /// Loads the key set now, so a bad URL or file fails at start.
    public func load() async throws {
        try await install(try await fetchJWKS())
        lastFetch = .now
    }

    private func install(_ set: JWKS) async throws {
        var set = set
        set.keys = set.keys.map(Self.pinned)
        let collection = JWTKeyCollection()
        try await collection.add(jwks: set)
        keys = collection
        kids = Set(set.keys.compactMap { $0.keyIdentifier?.string })
    }

    /// The verified token's subject, role and expiry.
    public func verify(_ token: String) async throws -> (subject: String, role: Role, expires: Date) {
        // A kid the loaded set does not hold: the provider may have rotated its keys. (jwt-kit
        // would otherwise try its default key and report a bad signature.)
        if let kid = Self.kid(of: token), !kids.contains(kid) {
            guard await refresh(), kids.contains(kid) else { throw Rejection(reason: "the token's signing key is unknown") }
        }
        let claims: TokenClaims
        do {
            claims = try await keys.verify(token, as: TokenClaims.self)
        } catch {
            throw Self.rejection(error)
        }
        if let issuer = config.issuer, claims.issuer != issuer { throw Rejection(reason: "the token's issuer is not \(issuer)") }
        if let audience = config.audience, !claims.audience.contains(audience) {
            throw Rejection(reason: "the token is not meant for this service (audience)")
        }
        guard let subject = claims.subject, !subject.isEmpty else { throw Rejection(reason: "the token has no subject") }
        guard let raw = claims.strings[config.roleClaim], let role = Role(rawValue: raw.lowercased()), role != .anonymous else {
            throw Rejection(reason: "the token's \(config.roleClaim) claim is not standard, gold or admin")
        }
        return (subject, role, claims.expiration ?? Date())
    }

    /// A key published without `alg` gets the algorithm its type implies (EC P-256 → ES256,
    /// P-384 → ES384, P-521 → ES512, OKP → EdDSA, RSA → RS256). Left open, jwt-kit would take
    /// the algorithm from the first token that names the key, so an attacker's token could
    /// choose how the key is used.
    static func pinned(_ key: JWK) -> JWK {
        guard key.algorithm == nil else { return key }
        var key = key
        switch key.keyType {
        case .ecdsa:
            key.algorithm = switch key.curve?.rawValue {
            case "P-384": .es384
            case "P-521": .es512
            default: .es256
            }
        case .octetKeyPair: key.algorithm = .eddsa
        default: key.algorithm = .rs256
        }
        return key
    }

    /// Fetches the set again, at most once per `refetchInterval`; false when it did not (or failed).
    private func refresh() async -> Bool {
        if let lastFetch, ContinuousClock.now - lastFetch < refetchInterval { return false }
        lastFetch = .now
        do {
            try await install(try await fetchJWKS())
            logger.info("reloaded the identity provider's keys (a token named an unknown kid)")
            return true
        } catch {
            logger.error("cannot reload the identity provider's keys", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// The `kid` in a token's header (read before verification, only to pick the key).
    static func kid(of token: String) -> String? {
        guard let header = token.split(separator: ".").first else { return nil }
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["kid"] as? String
    }

    private func fetchJWKS() async throws -> JWKS {
        let data: Data
        switch config.keys {
        case .file(let path):
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        case .url(let url):
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            guard response.status == .ok else { throw Rejection(reason: "JWKS at \(url) answered \(response.status.code)") }
            data = Data(buffer: try await response.body.collect(upTo: 1 << 20))
        }
        return try JSONDecoder().decode(JWKS.self, from: data)
    }

    static func rejection(_ error: any Error) -> Rejection {
        if let rejection = error as? Rejection { return rejection }
        if let jwt = error as? JWTError {
            switch jwt.errorType {
            case .signatureVerificationFailed: return Rejection(reason: "the token's signature does not verify")
            case .malformedToken: return Rejection(reason: "the token is malformed")
            case .unknownKID, .missingKIDHeader: return Rejection(reason: "the token's signing key is unknown")
            default: return Rejection(reason: jwt.reason ?? "the token was refused")
            }
        }
        return Rejection(reason: "the token was refused")
    }
}

/// The claims facepipe reads. Other claims are kept as strings when they are strings, so the
/// role claim's name can be configured (`AUTH_JWT_ROLE_CLAIM`).
struct TokenClaims: JWTPayload {
    var subject: String?
    var issuer: String?
    var audience: [String] = []
    var expiration: Date?
    var notBefore: Date?
    var strings: [String: String] = [:]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            switch key.stringValue {
            case "sub": subject = try container.decode(String.self, forKey: key)
            case "iss": issuer = try container.decode(String.self, forKey: key)
            case "aud":
                if let many = try? container.decode([String].self, forKey: key) {
                    audience = many
                } else {
                    audience = [try container.decode(String.self, forKey: key)]
                }
            case "exp": expiration = Date(timeIntervalSince1970: try container.decode(Double.self, forKey: key))
            case "nbf": notBefore = Date(timeIntervalSince1970: try container.decode(Double.self, forKey: key))
            default: if let value = try? container.decode(String.self, forKey: key) { strings[key.stringValue] = value }
            }
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(subject, forKey: Key(stringValue: "sub"))
        try container.encodeIfPresent(issuer, forKey: Key(stringValue: "iss"))
        try container.encode(audience, forKey: Key(stringValue: "aud"))
        try container.encodeIfPresent(expiration?.timeIntervalSince1970, forKey: Key(stringValue: "exp"))
        try container.encodeIfPresent(notBefore?.timeIntervalSince1970, forKey: Key(stringValue: "nbf"))
        for (name, value) in strings { try container.encode(value, forKey: Key(stringValue: name)) }
    }

    /// Tokens without an expiry are refused: a leaked one would work for ever. A minute of
    /// leeway for clocks that disagree.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        let now = Date()
        guard let expiration else { throw JWTVerifier.Rejection(reason: "the token has no expiry (exp)") }
        guard expiration.addingTimeInterval(60) > now else { throw JWTVerifier.Rejection(reason: "the token has expired") }
        if let notBefore, notBefore.addingTimeInterval(-60) > now { throw JWTVerifier.Rejection(reason: "the token is not valid yet (nbf)") }
    }
}
