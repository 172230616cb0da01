import FacepipeCore
import PostgresNIO

/// Why a wait for a pooled connection was given up: the caller gets this instead of waiting on.
public enum DatabaseWaitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The availability monitor declared the database unreachable while the caller waited.
    case outage
    /// No connection within `DATABASE_WAIT_SECONDS`.
    case limit(Duration)
    /// The connection closed while a query on it waited for its answer.
    case connectionClosed

    public var description: String {
        switch self {
        case .outage: "gave up waiting for a database connection: the database is unreachable"
        case .limit(let limit): "no database connection within \(limit) (DATABASE_WAIT_SECONDS)"
        case .connectionClosed: "the database connection closed before the query was answered"
        }
    }
}

/// Every caller waiting for a connection from the pool, so that none waits for ever.
///
/// Why: PostgresNIO's pool lets a lease wait as long as it keeps trying to connect. When the
/// database's address stops answering (its container stopped: connection attempts get no reply
/// until the 10 s connect timeout) a request waited more than 30 s before the pool's circuit
/// breaker failed it, and under busy loops about one restart in twenty left a lease waiting
/// although the pool answered new queries (issues 26, 27). A wait ends, with
/// `DatabaseWaitError`, when the availability monitor declares an outage (`giveUpAll`) or when
/// it has lasted `limit` (`giveUpOverdue`, called about once a second by `DatabaseClient.run`).
///
/// How: the lease is taken in a task of its own (the *holder*). Giving up fails the caller's
/// wait at once and cancels the holder; the caller never waits for the holder to notice (a
/// restart under busy loops once left a request waiting ten minutes on a holder that did not
/// end, with no query on the server). A connection the holder gets after that goes straight
/// back to the pool. Once the caller has its connection the wait is over: what it runs on the
/// connection is never cut short by giving up.
final class ConnectionWaits: Sendable {
    let limit: Duration
    private let waits = Locked<(next: Int, open: [Int: Wait])>((0, [:]))

    init(limit: Duration) { self.limit = limit }

    /// One caller's wait: when it began, and how to give it up.
    final class Wait: Sendable {
        let started = ContinuousClock.now
        private let state = Locked<(reason: DatabaseWaitError?, cancel: (@Sendable (DatabaseWaitError) -> Void)?)>((nil, nil))

        /// Why it was given up, if it was.
        var reason: DatabaseWaitError? { state.withLock { $0.reason } }

        func onGiveUp(_ cancel: @escaping @Sendable (DatabaseWaitError) -> Void) {
            let givenUp = state.withLock { state -> DatabaseWaitError? in
                state.cancel = cancel
                return state.reason
            }
            if let givenUp { cancel(givenUp) }
        }

        func giveUp(_ reason: DatabaseWaitError) {
            let cancel = state.withLock { state -> (@Sendable (DatabaseWaitError) -> Void)? in
                guard state.reason == nil else { return nil }
                state.reason = reason
                return state.cancel
            }
            cancel?(reason)
        }
    }

    /// Waits being counted now (tests and diagnostics).
    var count: Int { waits.withLock { $0.open.count } }

    /// A connection leased from `pool` by a holder task, which keeps it until `release` is called.
    func lease(from pool: PostgresClient) async throws -> Lease {
        try await lease { hold in try await pool.withConnection { try await hold($0) } }
    }

    /// The same with any way of leasing (`withConnection` runs its closure with a connection and
    /// returns it to the pool when the closure ends); tests pass one that ignores cancellation.
    func lease(
        using withConnection: @escaping @Sendable (_ hold: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws -> Void
    ) async throws -> Lease {
        let (id, wait) = open()
        defer { close(id) }
        let handoff = Handoff()
        let holder = Task {
            do {
                try await withConnection { connection in await handoff.hold(connection) }
            } catch {
                handoff.fail(error)
            }
        }
        wait.onGiveUp { reason in
            handoff.fail(reason)
            holder.cancel()
        }
        do {
            let connection = try await withTaskCancellationHandler {
                try await PendingWaits.track("database connection lease") { try await handoff.connection() }
            } onCancel: {
                handoff.fail(CancellationError())
                holder.cancel()
            }
            return Lease(connection: connection, handoff: handoff)
        } catch {
            throw Self.explained(error, by: wait)
        }
    }

    /// `work`'s result, or `DatabaseWaitError.connectionClosed` when `connection` closes while
    /// `work` runs and `work` has not ended `grace` later. Why: PostgresNIO 1.33 writes a query
    /// with no write promise, and once a closed channel's handlers are removed the write is
    /// dropped and the query's answer never comes (upstream tried a fix, vapor/postgres-nio#487,
    /// and reverted it); cancellation does not reach it either. Every query the driver did know
    /// of is answered or failed before the close is announced, so `grace` only lets such an
    /// answer reach `work`'s task on a busy machine: a write that committed is not reported lost.
    static func unlessClosed<T: Sendable>(
        _ connection: PostgresConnection, grace: Duration = .seconds(5),
        _ work: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let resumed = Locked(false)
        let claim: @Sendable () -> Bool = { resumed.withLock { done in defer { done = true }; return !done } }
        let task = Locked<Task<Void, Never>?>(nil)
        let stopWatching = Locked<(@Sendable () -> Void)?>(nil)
        defer { stopWatching.withLock { $0 }?() }
        return try await withTaskCancellationHandler {
            try await PendingWaits.track("database query") { try await withCheckedThrowingContinuation { continuation in
                let running = Task {
                    do {
                        let value = try await work(connection)
                        if claim() { continuation.resume(returning: value) }
                    } catch {
                        if claim() { continuation.resume(throwing: error) }
                    }
                }
                task.withLock { $0 = running }
                if Task.isCancelled { running.cancel() }
                let stop = ConnectionCloseWatch.shared.onClose(of: connection) {
                    connection.eventLoop.scheduleTask(in: .nanoseconds(Int64(grace / .nanoseconds(1)))) {
                        guard claim() else { return }
                        running.cancel()
                        continuation.resume(throwing: DatabaseWaitError.connectionClosed)
                    }
                }
                stopWatching.withLock { $0 = stop }
            } }
        } onCancel: {
            task.withLock { $0 }?.cancel()
        }
    }

    /// Gives up every wait (the database is unreachable).
    func giveUpAll() {
        for wait in waits.withLock({ Array($0.open.values) }) { wait.giveUp(.outage) }
    }

    /// Gives up the waits that have lasted `limit`.
    func giveUpOverdue(now: ContinuousClock.Instant = .now) {
        let overdue = waits.withLock { $0.open.values.filter { now - $0.started >= limit } }
        for wait in overdue { wait.giveUp(.limit(limit)) }
    }

    private func open() -> (Int, Wait) {
        let wait = Wait()
        let id = waits.withLock { state in
            state.next += 1
            state.open[state.next] = wait
            return state.next
        }
        return (id, wait)
    }

    private func close(_ id: Int) {
        _ = waits.withLock { $0.open.removeValue(forKey: id) }
    }

    /// The holder's cancellation, when it came from giving up, as the reason (unless the caller
    /// itself was cancelled: then the cancellation stands).
    private static func explained(_ error: any Error, by wait: Wait) -> any Error {
        guard let reason = wait.reason, !Task.isCancelled, isCancellation(error) else { return error }
        return reason
    }

    private static func isCancellation(_ error: any Error) -> Bool {
        error is CancellationError || String(reflecting: error).contains("requestCancelled")
    }

    /// A leased connection; `release()` hands it back to the pool (through the holder).
    struct Lease: Sendable {
        let connection: PostgresConnection
        fileprivate let handoff: Handoff
        func release() { handoff.release() }
    }

    /// Passes the holder's connection to the caller, and the caller's "done" back.
    fileprivate final class Handoff: Sendable {
        private enum State {
            case waiting(CheckedContinuation<PostgresConnection, any Error>?)
            case leased(PostgresConnection, release: CheckedContinuation<Void, Never>?)
            case failed(any Error)
            case released
        }
        private let state = Locked<State>(.waiting(nil))

        /// The caller: the connection, or the holder's error.
        func connection() async throws -> PostgresConnection {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLock { state -> Result<PostgresConnection, any Error>? in
                    switch state {
                    case .waiting: state = .waiting(continuation); return nil
                    case .leased(let connection, _): return .success(connection)
                    case .failed(let error): return .failure(error)
                    case .released: return .failure(CancellationError())
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        }

        /// The holder, with its connection: hands it over, then waits (deaf to cancellation,
        /// as the connection is in use) until the caller releases it. Returns at once when the
        /// caller is gone.
        func hold(_ connection: PostgresConnection) async {
            await withCheckedContinuation { (release: CheckedContinuation<Void, Never>) in
                let (waiter, released) = state.withLock { state -> (CheckedContinuation<PostgresConnection, any Error>?, Bool) in
                    switch state {
                    case .waiting(let waiter): state = .leased(connection, release: release); return (waiter, false)
                    // The caller gave up (or was given up) before the connection came: back it goes.
                    case .released, .failed: return (nil, true)
                    case .leased: preconditionFailure("a connection handed over twice")
                    }
                }
                waiter?.resume(returning: connection)
                if released { release.resume() }
            }
        }

        func fail(_ error: any Error) {
            let waiter = state.withLock { state -> CheckedContinuation<PostgresConnection, any Error>? in
                guard case .waiting(let waiter) = state else { return nil }
                state = .failed(error)
                return waiter
            }
            waiter?.resume(throwing: error)
        }

        func release() {
            let holder = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state = .released }
                if case .leased(_, let release) = state { return release }
                return nil
            }
            holder?.resume()
        }
    }
}
