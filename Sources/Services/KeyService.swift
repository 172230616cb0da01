import Crypto
import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO

/// API keys: created (the secret is shown once and stored only as SHA-256), listed, revoked.
/// Admins do this over HTTP; the operator does it with `facepipe keys`; `serve` makes the first
/// admin key when there is none.
public struct KeyService: Sendable {
    let repository: KeyRepository
    let audit: AuditService
    let policy: AccessPolicy

    public init(client: DatabaseClient, audit: AuditService, policy: AccessPolicy, logger: Logger) {
        self.repository = KeyRepository(client: client, logger: logger)
        self.audit = audit
        self.policy = policy
    }

    /// The new key's record and its secret (returned once, never stored).
    public func create(role: Role, name: String, _ context: CallContext) async throws -> (record: APIKeyRecord, secret: String) {
        try policy.require(.manageKeys, context.caller)
        guard role != .anonymous else { throw APIError.badRequest("a key's role is standard, gold or admin", code: "invalid_role") }
        let name = name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count), name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw APIError.badRequest("a key's name is 1–100 printable characters", code: "invalid_name")
        }
        let (record, secret) = try Self.newKey(role: role, name: name, by: context)
        try await repository.create(record, secretSHA256: Self.hash(secret))
        try await audit.record(.keyCreated, context, target: "key:\(record.id.uuidString.lowercased())",
                               data: ["role": role.rawValue, "name": name])
        return (record, secret)
    }

    /// A fresh key: 32 random bytes, its record (the secret itself is never stored).
    static func newKey(role: Role, name: String, by context: CallContext) throws -> (record: APIKeyRecord, secret: String) {
        var generator = SystemRandomNumberGenerator()
        let secret = APIKeyFormat.make(from: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        guard let lookup = APIKeyFormat.lookup(of: secret) else { throw APIError(status: 500, code: "internal_error", message: "key format") }
        return (APIKeyRecord(id: UUID(), lookup: lookup, role: role, name: name, createdBy: context.caller.id, createdAt: Date(),
                             lastUsedAt: nil, revokedAt: nil), secret)
    }

    static func hash(_ secret: String) -> [UInt8] { Array(SHA256.hash(data: Data(secret.utf8))) }

    public func list(_ context: CallContext) async throws -> [APIKeyRecord] {
        try policy.require(.manageKeys, context.caller)
        return try await repository.list()
    }

    public func revoke(_ id: UUID, _ context: CallContext) async throws -> APIKeyRecord {
        try policy.require(.manageKeys, context.caller)
        guard let record = try await repository.revoke(id) else { throw APIError.notFound("key \(id.uuidString.lowercased()) not found") }
        try await audit.record(.keyRevoked, context, target: "key:\(id.uuidString.lowercased())")
        return record
    }

    /// When no admin key exists: creates one and writes it to `file` (0600, its folder 0700 if new),
    /// returning the path; nil when an admin key exists already. The key itself is never logged.
    public func ensureFirstAdminKey(file: String, logger: Logger) async throws -> String? {
        guard try await !repository.activeAdminExists() else { return nil }
        let url = URL(fileURLWithPath: file)
        let folder = url.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: folder.path) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        // Decided under a database lock: replicas starting together create one key, not one each.
        let context = CallContext.commandLine(user: "serve")
        let (record, secret) = try Self.newKey(role: .admin, name: "first admin (created by facepipe serve)", by: context)
        guard try await repository.createFirstAdmin(record, secretSHA256: Self.hash(secret)) else { return nil }
        try await audit.record(.keyCreated, context, target: "key:\(record.id.uuidString.lowercased())",
                               data: ["role": "admin", "name": record.name])
        // Written 0600 from the start: the key never exists on disk with wider permissions.
        guard FileManager.default.createFile(atPath: url.path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else {
            _ = try? await repository.revoke(record.id)
            throw APIError(status: 500, code: "internal_error", message: "cannot write the admin key to \(url.path)")
        }
        logger.notice("created the first admin API key; it is in the file named here (mode 0600)", metadata: ["file": "\(url.path)"])
        return url.path
    }
}
