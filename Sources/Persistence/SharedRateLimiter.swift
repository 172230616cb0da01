import Foundation
import Logging
import PostgresNIO

/// Per-caller token buckets kept in PostgreSQL (`rate_limits`), so every API replica counts
/// against the same limit (issue 22: with a bucket per process, N replicas allowed N times the
/// limit). `capacity` requests, refilled continuously at `capacity` per minute. One statement
/// a check: the row is locked, refilled by the time since its last use, and a token taken
/// only when one is there.
public struct SharedRateLimiter: Sendable {
    public enum Decision: Equatable, Sendable {
        case allowed
        case limited(retryAfterSeconds: Int)
    }

    let client: DatabaseClient
    /// Which limit (`uploads`, `face_searches`): one table holds every kind.
    let bucket: String
    let capacity: Double
    /// Seconds to refill an empty bucket (60: the limits are per minute).
    let windowSeconds: Double
    let logger: Logger

    public init(client: DatabaseClient, bucket: String, perMinute: Int, window: Duration = .seconds(60), logger: Logger) {
        self.client = client
        self.bucket = bucket
        self.capacity = Double(max(1, perMinute))
        self.windowSeconds = max(1, Double(window.components.seconds))
        self.logger = logger
    }

    var refillPerSecond: Double { capacity / windowSeconds }

    public func check(_ key: String) async throws -> Decision {
        let rows = try await client.query(
            """
            INSERT INTO rate_limits AS r (bucket, key, tokens, allowed, updated)
            VALUES (\(bucket), \(key), \(capacity - 1), true, clock_timestamp())
            ON CONFLICT (bucket, key) DO UPDATE SET
                allowed = LEAST(\(capacity), r.tokens + EXTRACT(EPOCH FROM clock_timestamp() - r.updated)::float8 * \(refillPerSecond)) >= 1,
                tokens = LEAST(\(capacity), r.tokens + EXTRACT(EPOCH FROM clock_timestamp() - r.updated)::float8 * \(refillPerSecond))
                         - CASE WHEN LEAST(\(capacity), r.tokens + EXTRACT(EPOCH FROM clock_timestamp() - r.updated)::float8
                                           * \(refillPerSecond)) >= 1 THEN 1 ELSE 0 END,
                updated = clock_timestamp()
            RETURNING allowed, tokens
            """, logger: logger)
        for try await (allowed, tokens) in rows.decode((Bool, Double).self) {
            if allowed { return .allowed }
            return .limited(retryAfterSeconds: max(1, Int(((1 - tokens) / refillPerSecond).rounded(.up))))
        }
        return .allowed
    }

    /// Buckets untouched for an hour are full again: their rows say nothing (called now and
    /// then, so rotating keys cannot grow the table without bound).
    public func sweep() async throws {
        try await client.query("DELETE FROM rate_limits WHERE updated < now() - interval '1 hour'", logger: logger)
    }
}
