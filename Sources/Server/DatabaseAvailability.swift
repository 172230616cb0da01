import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Whether PostgreSQL answers, from a ping every second (1 s timeout), so requests can be told
/// "503, retry shortly" at once while it is down instead of waiting on the connection pool
/// (which queues them for up to a minute before giving up). Logs each change of state with how
/// long the outage lasted.
public final class DatabaseAvailability: Service, Sendable {
    let client: PostgresClient
    let logger: Logger
    let interval: Duration
    private let state = Mutex<(up: Bool, since: ContinuousClock.Instant)>((true, .now))

    public init(client: PostgresClient, interval: Duration = .seconds(1), logger: Logger) {
        self.client = client
        self.interval = interval
        self.logger = logger
    }

    /// True until a ping fails (and again from the first ping that succeeds).
    public var isUp: Bool { state.withLock { $0.up } }

    /// How long the current state has lasted.
    public var elapsed: Duration { state.withLock { ContinuousClock.now - $0.since } }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.check()
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    func check() async {
        let up: Bool
        do {
            _ = try await withTimeout(.seconds(1)) { [client] in try await Database.ping(client) }
            up = true
        } catch {
            up = false
        }
        let change = state.withLock { current -> Duration? in
            guard current.up != up else { return nil }
            let lasted = ContinuousClock.now - current.since
            current = (up, .now)
            return lasted
        }
        guard let lasted = change else { return }
        if up {
            logger.notice("database is reachable again; serving requests", metadata: ["outage_seconds": "\(lasted.seconds)"])
        } else {
            logger.error("database unreachable; answering 503 until it is back")
        }
    }
}

extension Duration {
    /// Whole and fractional seconds, for logs.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
