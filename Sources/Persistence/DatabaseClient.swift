import FacepipeCore
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The process's connection pool: PostgresNIO's `PostgresClient`, behind a handle that can put
/// a fresh pool in place of one that has given up.
///
/// Why: after 15 s of failed connection attempts PostgresNIO's pool opens its circuit breaker
/// and fails every request at once, and it tries to connect again only after a backoff that
/// grows to a minute (100 ms · 1.25ⁿ). Measured with the embedded cluster stopped for 120 s:
/// the first query after the database was back still failed ("circuit breaker tripped"), and
/// the API would have answered 503 for up to a minute more. The backoff cannot be configured,
/// so `DatabaseAvailability`, which pings on a connection of its own, calls
/// `replacePoolIfStuck(afterOutage:)` while the database answers, and the new pool connects
/// at once. A pool that is merely busy is never replaced.
///
/// No caller waits for a connection for ever: see `ConnectionWaits` (given up when the monitor
/// declares an outage, or after `DATABASE_WAIT_SECONDS`).
public final class DatabaseClient: Service, Sendable {
    private let makePool: @Sendable () -> PostgresClient
    private let logger: Logger
    private let current: Locked<Generation>
    private let generations: AsyncStream<Generation>
    private let started: AsyncStream<Generation>.Continuation
    private let replacementCount = Atomic<Int>(0)
    private let waits: ConnectionWaits
    /// Opened when the first pool's `run()` is called; see `waitUntilRunning()`.
    private let running = Locked<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// One pool and the signal that ends it.
    struct Generation: Sendable {
        let pool: PostgresClient
        let retired: AsyncStream<Void>
        let retire: AsyncStream<Void>.Continuation

        init(_ pool: PostgresClient) {
            self.pool = pool
            (retired, retire) = AsyncStream<Void>.makeStream()
        }
    }

    init(logger: Logger, waitLimit: Duration = .seconds(15), makePool: @escaping @Sendable () -> PostgresClient) {
        self.makePool = makePool
        self.logger = logger
        waits = ConnectionWaits(limit: waitLimit)
        let first = Generation(makePool())
        current = Locked(first)
        (generations, started) = AsyncStream<Generation>.makeStream()
        started.yield(first)
    }

    /// Pools put in place of one that had given up, since start.
    public var replacements: Int { replacementCount.load(ordering: .relaxed) }

    private var pool: PostgresClient { current.withLock { $0.pool } }

    /// How long a caller may wait for a connection (`DATABASE_WAIT_SECONDS`).
    public var waitLimit: Duration { waits.limit }
    /// Callers waiting for a connection now.
    public var waiting: Int { waits.count }

    /// Ends every wait for a connection with `DatabaseWaitError.outage`: the availability
    /// monitor calls it when it declares the database unreachable, so a request that was
    /// already waiting gets its 503 then rather than when the pool gives up.
    public func giveUpWaiting() {
        waits.giveUpAll()
    }

    /// Runs the pool (and any pool that replaces it) until cancelled or shut down gracefully.
    public func run() async {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    // Waits past the limit end about a second late at most; that is precise enough.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        self.waits.giveUpOverdue()
                    }
                }
                for await generation in self.generations {
                    group.addTask {
                        await withDiscardingTaskGroup { lifetime in
                            lifetime.addTask {
                                self.markRunning()
                                await generation.pool.run()
                            }
                            for await _ in generation.retired {}
                            lifetime.cancelAll()
                        }
                    }
                }
                // No pool is put in place from now on (see `replacePool`).
                self.started.finish()
                group.cancelAll()
            }
        }
    }

    /// Returns once `run()` has started the pool. A query made before that waits anyway, but
    /// PostgresNIO logs a warning for it; callers that start `run()` themselves wait here.
    public func waitUntilRunning() async {
        await withCheckedContinuation { continuation in
            let ready = running.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func markRunning() {
        let waiters = running.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.open else { return [] }
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Replaces the pool if it cannot serve although the database answers. Call it only when
    /// the database is known to answer. Right after an outage (`afterOutage`), a pool that does
    /// not answer a ping within a second is backing off between connection attempts or has
    /// given up: its connections died with the server anyway, so it is replaced. Otherwise only
    /// a pool whose circuit breaker is open is replaced; a busy pool is left alone.
    public func replacePoolIfStuck(afterOutage: Bool) async {
        do {
            _ = try await withTimeout(.seconds(afterOutage ? 1 : 2)) { [pool] in try await pool.query("SELECT 1") }
        } catch where afterOutage || String(reflecting: error).contains("CircuitBreakerTripped") {
            replacePool()
        } catch {
            // Busy, or a blip that the pool rides out by itself.
        }
    }

    func replacePool() {
        let fresh = Generation(makePool())
        // Swapped only if `run()` will run it: a pool put in place after `run()` ended (the
        // availability monitor during shutdown) would never connect, and leases from it would
        // wait for ever; the ended pool fails them at once instead.
        let old = current.withLock { generation -> Generation? in
            guard case .enqueued = started.yield(fresh) else { return nil }
            defer { generation = fresh }
            return generation
        }
        guard let old else { return }
        old.retire.finish()
        let count = replacementCount.add(1, ordering: .relaxed).newValue
        logger.warning("database connection pool had given up although the database answers; replaced it",
                       metadata: ["replacements": "\(count)"])
    }

    // MARK: PostgresClient's calls, on the current pool

    /// Runs `query` on a leased connection and reads its rows to the end. Only the wait for the
    /// connection is bounded (`ConnectionWaits`); a query that has its connection runs to its end,
    /// unless the connection closes under it (then `DatabaseWaitError.connectionClosed` at once,
    /// not whenever the driver notices).
    @discardableResult
    public func query(_ query: PostgresQuery, logger: Logger? = nil, file: String = #fileID, line: Int = #line) async throws -> QueryRows {
        let lease = try await waits.lease(from: pool)
        defer { lease.release() }
        let logger = logger ?? Self.silent
        return try await ConnectionWaits.unlessClosed(lease.connection) { connection in
            QueryRows(try await connection.query(query, logger: logger, file: file, line: line).collect())
        }
    }

    /// Runs a prepared statement (parsed and, after PostgreSQL's first five custom plans, planned
    /// once per connection) and reads its rows to the end: for the statements on a latency
    /// budget, where planning would be a third of the time. Bounded as `query(_:)`.
    public func execute<Statement: PostgresPreparedStatement>(
        _ statement: Statement, logger: Logger? = nil, file: String = #fileID, line: Int = #line
    ) async throws -> [Statement.Row] where Statement.Row: Sendable {
        let lease = try await waits.lease(from: pool)
        defer { lease.release() }
        let logger = logger ?? Self.silent
        do {
            return try await ConnectionWaits.unlessClosed(lease.connection) { connection in
                var rows: [Statement.Row] = []
                for try await row in try await connection.execute(statement, logger: logger, file: file, line: line) {
                    rows.append(row)
                }
                return rows
            }
        } catch let error as PSQLError where Self.spoilsPreparedStatement(error) {
            // The statement stays broken on this connection (PostgresNIO never prepares a failed
            // one again; the server keeps a plan whose result type changed): the pool replaces it.
            logger.warning("closing a connection whose prepared statement failed",
                           metadata: ["statement": "\(Statement.name)", "sqlstate": "\(error.serverInfo?[.sqlState] ?? "")"])
            try? await lease.connection.close()
            throw error
        }
    }

    /// Errors after which a prepared statement cannot be used again on its connection: a plan
    /// cached before a migration changed its result type (0A000), a statement the server no
    /// longer knows (26000), or one that failed to parse (class 42: a column or table it names
    /// went; a later deployment's statement on an older schema).
    static func spoilsPreparedStatement(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "0A000" || state == "26000" || state.hasPrefix("42")
    }

    /// For queries whose caller passed no logger (PostgresClient's own default logs nothing).
    private static let silent = Logger(label: "facepipe.database.query", factory: { _ in SwiftLogNoOpLogHandler() })

    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ closure: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        let lease = try await waits.lease(from: pool)
        defer { lease.release() }
        return try await closure(lease.connection)
    }

    public func withTransaction<Result>(
        logger: Logger, file: String = #file, line: Int = #line,
        isolation: isolated (any Actor)? = #isolation,
        _ closure: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        let lease = try await waits.lease(from: pool)
        defer { lease.release() }
        let connection = lease.connection
        // As PostgresConnection.withTransaction, but BEGIN, COMMIT and ROLLBACK end when the
        // connection closes under them (a COMMIT written to a closed connection never returns:
        // see ConnectionWaits.unlessClosed), and ROLLBACK is not sent on a closed connection.
        do {
            try await Self.statement("BEGIN;", on: connection, logger: logger)
        } catch {
            throw DatabaseTransactionError(file: file, line: line, beginError: error)
        }
        var closureHasFinished = false
        do {
            let value = try await closure(connection)
            closureHasFinished = true
            try await Self.statement("COMMIT;", on: connection, logger: logger)
            return value
        } catch {
            var failure = DatabaseTransactionError(file: file, line: line)
            if closureHasFinished {
                failure.commitError = error
            } else {
                failure.closureError = error
                if !connection.isClosed {
                    do { try await Self.statement("ROLLBACK;", on: connection, logger: logger) } catch { failure.rollbackError = error }
                }
            }
            throw failure
        }
    }

    private static func statement(_ sql: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws {
        _ = try await ConnectionWaits.unlessClosed(connection) { try await $0.query(sql, logger: logger).collect() }
    }
}
