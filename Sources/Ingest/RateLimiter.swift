import Foundation

/// Fixed-window-free token bucket per client key (an IP address): `capacity` requests, refilled
/// continuously at capacity per `window`. Memory stays bounded: idle full buckets are dropped.
public final class RateLimiter: @unchecked Sendable {
    public enum Decision: Equatable, Sendable {
        case allowed
        case limited(retryAfterSeconds: Int)
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let capacity: Double
    private let refillPerSecond: Double
    private let lock = NSLock()
    private var buckets: [String: Bucket] = [:]
    private var lastSweep = ContinuousClock.now

    public init(requests: Int, per window: Duration = .seconds(60)) {
        capacity = Double(max(requests, 1))
        let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        refillPerSecond = capacity / seconds
    }

    public func check(_ key: String, now: ContinuousClock.Instant = .now) -> Decision {
        lock.withLock {
            sweep(now: now)
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + seconds * refillPerSecond)
            bucket.updated = now
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return .allowed
            }
            return .limited(retryAfterSeconds: max(1, Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up))))
        }
    }

    private func sweep(now: ContinuousClock.Instant) {
        guard now - lastSweep > .seconds(60) else { return }
        lastSweep = now
        buckets = buckets.filter { _, bucket in
            let idle = now - bucket.updated
            let seconds = Double(idle.components.seconds)
            return bucket.tokens + seconds * refillPerSecond < capacity
        }
    }
}
