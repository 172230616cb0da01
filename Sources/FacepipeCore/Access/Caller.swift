import Foundation

/// Who is asking: one value for API keys, OIDC tokens and browser sessions, so every service
/// decides access the same way whatever the credential was.
public struct Caller: Sendable, Equatable, CustomStringConvertible {
    public enum Credential: Sendable, Equatable {
        case none
        /// An API key, by its id (never the secret).
        case apiKey(id: String)
        /// A JWT from the platform's identity provider, by its subject.
        case token(subject: String)
        /// The operator at the command line (`facepipe keys …`), by their Unix user.
        case commandLine(user: String)
    }

    public var role: Role
    public var credential: Credential
    /// The client's address (after trusted proxies), for audit and per-address limits.
    public var address: String?
    /// When the credential stops being valid (tokens), if known.
    public var expiresAt: Date?

    public init(role: Role, credential: Credential, address: String? = nil) {
        self.role = role
        self.credential = credential
        self.address = address
    }

    public static func anonymous(address: String?) -> Caller {
        Caller(role: .anonymous, credential: .none, address: address)
    }

    /// Stable and secret-free: what logs, jobs, audit entries and rate limits key on.
    public var id: String {
        switch credential {
        case .none: "anonymous"
        case .apiKey(let id): "key:\(id)"
        case .token(let subject): "sub:\(subject)"
        case .commandLine(let user): "cli:\(user)"
        }
    }

    public var description: String { "\(id) (\(role.rawValue))" }

    public func expiring(_ date: Date) -> Caller {
        var copy = self
        copy.expiresAt = date
        return copy
    }

    /// The key a per-caller limit counts against: the credential, or the address without one.
    public var rateLimitKey: String {
        credential == .none ? "ip:\(address ?? "unknown")" : id
    }
}
