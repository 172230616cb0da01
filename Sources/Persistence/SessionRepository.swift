import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// All SQL for `sessions`: opaque JSON values by key, with an expiry.
public struct SessionRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// False when the key exists already (and is not expired).
    public func create(key: String, json: String, expiresAt: Date?) async throws -> Bool {
        let rows = try await client.query(
            """
            INSERT INTO sessions (key, value, expires_at) VALUES (\(key), \(json)::jsonb, \(expiresAt))
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
                WHERE sessions.expires_at IS NOT NULL AND sessions.expires_at <= now()
            RETURNING key
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    public func set(key: String, json: String, expiresAt: Date?) async throws {
        try await client.query(
            """
            INSERT INTO sessions (key, value, expires_at) VALUES (\(key), \(json)::jsonb, \(expiresAt))
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value,
                expires_at = coalesce(EXCLUDED.expires_at, sessions.expires_at)
            """, logger: logger)
    }

    /// The value and its expiry, if the key exists and has not expired.
    public func get(key: String) async throws -> (json: String, expiresAt: Date?)? {
        let rows = try await client.query(
            "SELECT value::text, expires_at FROM sessions WHERE key = \(key) AND (expires_at IS NULL OR expires_at > now())",
            logger: logger)
        for try await (json, expires) in rows.decode((String, Date?).self) { return (json, expires) }
        return nil
    }

    public func remove(key: String) async throws {
        try await client.query("DELETE FROM sessions WHERE key = \(key)", logger: logger)
    }

    /// Drops expired sessions (called now and then by writers, so the table stays small).
    public func sweep() async throws {
        try await client.query("DELETE FROM sessions WHERE expires_at < now() - interval '1 hour'", logger: logger)
    }
}
