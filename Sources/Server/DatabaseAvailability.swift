import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Whether PostgreSQL answers, from a ping every second, so requests can be told "503, retry
/// shortly" at once while it is down instead of waiting on the connection pool (which queues
/// them until it connects again or gives up). Logs each change of state with how long the
/// outage lasted.
///
/// The pings use a connection of their own, outside any pool, made again straight away after a
/// failure. A busy pool must not look like a database that is down (it did once: 20 busy
/// clients turned into 449 answers of 503), and a pool's growing backoff between attempts
/// must not hide that the database is back. Two pings in a row must fail (2 s timeout each)
/// before the state turns to down.
///
/// When the database answers again after an outage, the requests' pool gets one ping; if it
/// cannot answer within a second (it is backing off between attempts, or has given up) it is
/// replaced, so the API and workers resume within about a second rather than up to a minute.
/// A pool whose circuit breaker opened without an outage seen here is replaced the same way.
public final class DatabaseAvailability: Service, Sendable {
    let url: DatabaseURL
    /// The requests' pool, replaced when it has given up although the database answers.
    let requests: DatabaseClient?
    let logger: Logger
    let interval: Duration
    private let state = Locked(Health())

    /// What the pings have shown so far.
    private struct Health {
        var up = true
        /// When `up` last changed.
        var since = ContinuousClock.now
        /// Failed pings in a row.
        var failures = 0
        /// The last ping could not connect or lost its connection (not a timeout).
        var lastFailedToConnect = false
    }
    private let connection = Locked<PostgresConnection?>(nil)

    public init(url: DatabaseURL, requests: DatabaseClient? = nil, interval: Duration = .seconds(1), logger: Logger) {
        self.url = url
        self.requests = requests
        self.interval = interval
        self.logger = logger
    }

    /// True until two pings in a row fail (and again from the first ping that succeeds).
    public var isUp: Bool { state.withLock { $0.up } }
    /// Requests answered 503 on this monitor's verdict alone, without waiting for the pool.
    public var refusedRequests: Int { refusals.withLock { $0 } }
    private let refusals = Locked(0)

    /// Called by the outage middleware for each request it refuses while the database is down.
    func noteRefused() { refusals.withLock { $0 += 1 } }

    /// How long the current state has lasted.
    public var elapsed: Duration { state.withLock { ContinuousClock.now - $0.since } }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.check()
                try? await Task.sleep(for: self.interval)
            }
        }
        // PostgresNIO insists that a connection is closed before it is released.
        await dropConnection()
    }

    /// Closes the monitor's connection, waiting 2 s at most: closing a connection whose server
    /// restarted under it was seen to wait for ever, and a monitor stuck there stops pinging, so
    /// nothing ever notices the database is back or replaces a stuck pool (issue 27).
    private func dropConnection() async {
        guard let old = connection.withLock({ current in defer { current = nil }; return current }) else { return }
        _ = try? await withTimeout(.seconds(2)) { try await old.close() }
    }

    enum Ping { case answered, timedOut, failed }

    /// One round trip on the monitor's connection, connecting first if there is none.
    private func ping() async -> Ping {
        do {
            _ = try await withTimeout(.seconds(2)) { [self] in
                let open: PostgresConnection
                if let existing = connection.withLock({ $0 }), !existing.isClosed {
                    open = existing
                } else {
                    open = try await Database.connect(url: url, timeout: .seconds(2), logger: logger)
                    connection.withLock { $0 = open }
                }
                return try await Database.ping(open, logger: logger)
            }
            return .answered
        } catch {
            // Start afresh next time: a connection that timed out may be stuck for good.
            await dropConnection()
            return error is TimeoutError ? .timedOut : .failed
        }
    }

    func check() async {
        let result = await ping()
        let answered = result == .answered
        // `afterRestart`: the previous ping could not connect or lost its connection (refused,
        // closed, "the database system is starting up"), so the server restarted and the pool's
        // connections died with it, even when the restart was too quick for two failed pings to
        // call it an outage; the pool is then checked as after an outage. A ping that merely
        // timed out (a loaded server) does not count: that pool may be busy, not stuck.
        // (Issue 27: under busy loops a request still waited for ever after about 1 restart in
        // 20 while the pool answered new queries; the cause is not found.)
        let (change, afterRestart) = state.withLock { current -> ((up: Bool, lasted: Duration)?, Bool) in
            let afterRestart = answered && current.lastFailedToConnect
            current.lastFailedToConnect = result == .failed
            current.failures = answered ? 0 : current.failures + 1
            let up = answered || (current.up && current.failures < 2)
            guard current.up != up else { return (nil, afterRestart) }
            let lasted = ContinuousClock.now - current.since
            current.up = up
            current.since = .now
            return ((up, lasted), afterRestart)
        }
        if answered { await requests?.replacePoolIfStuck(afterOutage: change?.up == true || afterRestart) }
        guard let (up, lasted) = change else { return }
        if up {
            logger.notice("database is reachable again; serving requests", metadata: ["outage_seconds": "\(lasted.seconds)"])
        } else {
            logger.error("database unreachable; answering 503 until it is back")
            // Requests already waiting for a connection get their 503 now, as later ones do.
            requests?.giveUpWaiting()
        }
    }
}

extension Duration {
    /// Whole and fractional seconds, for logs.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
