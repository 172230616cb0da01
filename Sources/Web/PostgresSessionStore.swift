import Foundation
import Hummingbird
import Logging
import Persistence
import PostgresNIO

/// hummingbird's session storage on PostgreSQL (`sessions`), so every API instance behind a load
/// balancer knows every browser session. Values are stored as JSON with their expiry.
public struct PostgresSessionStore: PersistDriver {
    let repository: SessionRepository

    public init(client: DatabaseClient, logger: Logger) {
        self.repository = SessionRepository(client: client, logger: logger)
    }

    public func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        guard try await repository.create(key: key, json: try Self.json(value), expiresAt: Self.date(expires)) else {
            throw PersistError.duplicate
        }
    }

    public func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        try await repository.set(key: key, json: try Self.json(value), expiresAt: Self.date(expires))
        // New sessions are rare enough to clean up after: no sweeper task needed.
        if expires != nil, Int.random(in: 0..<50) == 0 { try? await repository.sweep() }
    }

    public func get<Object: Codable & Sendable>(key: String, as: Object.Type) async throws -> Object? {
        try await getWithTTL(key: key, as: Object.self)?.object
    }

    public func getWithTTL<Object: Codable & Sendable>(key: String, as: Object.Type) async throws -> (object: Object, ttl: Duration?)? {
        guard let stored = try await repository.get(key: key) else { return nil }
        do {
            let object = try JSONDecoder().decode(Object.self, from: Data(stored.json.utf8))
            return (object, stored.expiresAt.map { .seconds(max(0, $0.timeIntervalSinceNow)) })
        } catch {
            throw PersistError.invalidConversion
        }
    }

    public func remove(key: String) async throws {
        try await repository.remove(key: key)
    }

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func date(_ duration: Duration?) -> Date? {
        duration.map { Date().addingTimeInterval(Double($0.components.seconds)) }
    }
}
