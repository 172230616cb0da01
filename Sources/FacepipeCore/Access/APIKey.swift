import Foundation

/// The shape of an API key: `fp_` then 43 URL-safe base64 characters (32 random bytes). The first
/// 12 of those are the lookup (stored in clear, indexed); the whole key is stored only as SHA-256
/// and compared in constant time. A key that does not have this shape is refused before any
/// database work.
public enum APIKeyFormat {
    public static let prefix = "fp_"
    public static let lookupLength = 12
    public static let bodyLength = RandomToken.length

    /// The lookup part of a well-formed key, or nil.
    public static func lookup(of key: String) -> String? {
        guard key.hasPrefix(prefix) else { return nil }
        let body = key.utf8.dropFirst(prefix.utf8.count)
        guard RandomToken.isWellFormed(body) else { return nil }
        return String(decoding: body.prefix(lookupLength), as: UTF8.self)
    }

    /// A new key from 32 random bytes.
    public static func make(from bytes: [UInt8]) -> String {
        precondition(bytes.count == 32)
        return prefix + RandomToken.encode(bytes)
    }
}

/// A stored key (never the secret).
public struct APIKeyRecord: Sendable, Equatable {
    public var id: UUID
    public var lookup: String
    public var role: Role
    public var name: String
    public var createdBy: String?
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(id: UUID, lookup: String, role: Role, name: String, createdBy: String?, createdAt: Date, lastUsedAt: Date?,
                revokedAt: Date?) {
        self.id = id
        self.lookup = lookup
        self.role = role
        self.name = name
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}
