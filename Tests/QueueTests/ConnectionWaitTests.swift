import FacepipeCore
import Foundation
@testable import Persistence
import PostgresNIO
import Testing
import TestSupport

/// No caller waits for a pooled connection for ever (issues 26, 27): a wait ends with
/// `DatabaseWaitError` when it passes `DATABASE_WAIT_SECONDS` or when the availability monitor
/// declares an outage, and a given-up wait leaves the pool whole. The pool here has one
/// connection, held by a transaction the test controls, so the next caller must wait: each test
/// decides by which error ended the wait, never by how long it took.
@Suite struct ConnectionWaitTests {
    /// One connection held open until `release` is called; `holding` returns once it is held.
    final class Holder: Sendable {
        let held: AsyncStream<Void>
        private let heldSignal: AsyncStream<Void>.Continuation
        let released: AsyncStream<Void>
        private let releaseSignal: AsyncStream<Void>.Continuation
        let task: Task<Void, any Error>

        init(_ client: DatabaseClient) {
            let (held, heldSignal) = AsyncStream<Void>.makeStream()
            let (released, releaseSignal) = AsyncStream<Void>.makeStream()
            (self.held, self.heldSignal, self.released, self.releaseSignal) = (held, heldSignal, released, releaseSignal)
            task = Task {
                defer { heldSignal.finish() }
                try await client.withConnection { connection in
                    try await connection.query("SELECT 1", logger: TestDatabase.logger)
                    heldSignal.yield()
                    for await _ in released {}
                }
            }
        }

        /// A holder that holds the pool's one connection. With a short wait limit the holder's
        /// own first wait (the pool connecting on a loaded machine) may pass the limit: then
        /// another holder tries, up to `attempts` times (only that error is retried; a pool that
        /// never serves still fails the test with it).
        static func holding(_ client: DatabaseClient, attempts: Int = 10) async throws -> Holder {
            for attempt in 1...attempts {
                let holder = Holder(client)
                if await holder.holding() { return holder }
                do {
                    // Ends the holder either way (had it got the connection as the test was
                    // cancelled, it hands it back).
                    try await holder.release()
                } catch DatabaseWaitError.limit where attempt < attempts {
                }
                try Task.checkCancellation()
            }
            throw CancellationError()  // only when cancelled: the last attempt returns or throws
        }

        /// True once the connection is held; false when the holder ended without it (or the
        /// waiting task was cancelled).
        func holding() async -> Bool { for await _ in held { return true }; return false }
        func release() async throws {
            releaseSignal.finish()
            try await task.value
        }
    }

    /// `body`'s result once the pool serves it: a wait that passes a short limit on a loaded
    /// machine is tried again, up to `attempts` times (a pool that is not whole never serves,
    /// and the last attempt's `.limit` fails the test).
    static func served<T>(attempts: Int = 10, _ body: () async throws -> T) async throws -> T {
        for _ in 1..<attempts {
            do { return try await body() } catch DatabaseWaitError.limit {
                try Task.checkCancellation()
            }
        }
        return try await body()
    }

    static func withOneConnection(waitLimit: Duration, _ body: @escaping @Sendable (DatabaseClient) async throws -> Void) async throws {
        let client = Database.makeClient(url: try TestDatabase.serverURL(), poolSize: 1, waitLimit: waitLimit, logger: TestDatabase.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            await client.waitUntilRunning()
            try await withTimeout(patience) { try await body(client) }
        }
    }

    @Test func aWaitPastTheLimitEndsWithAnErrorAndThePoolStaysWhole() async throws {
        try await Self.withOneConnection(waitLimit: .seconds(1)) { client in
            let holder = try await Holder.holding(client)
            await #expect(throws: DatabaseWaitError.limit(.seconds(1))) { try await client.query("SELECT 1") }
            await #expect(throws: DatabaseWaitError.limit(.seconds(1))) {
                try await client.withTransaction(logger: TestDatabase.logger) { try await $0.query("SELECT 1", logger: TestDatabase.logger) }
            }
            #expect(client.waiting == 0)
            // The given-up waits took nothing with them: the one connection serves again.
            try await holder.release()
            let answer = try await Self.served {
                try await client.query("SELECT 41 + 1").decode(Int.self).reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(answer == [42])
            try await Self.served {
                try await client.withTransaction(logger: TestDatabase.logger) { try await $0.query("SELECT 1", logger: TestDatabase.logger) }
            }
        }
    }

    @Test func anOutageEndsEveryWaitAtOnce() async throws {
        try await Self.withOneConnection(waitLimit: .seconds(600)) { client in
            let holder = try await Holder.holding(client)
            let query = Task { try await client.query("SELECT 1") }
            let lease = Task { try await client.withConnection { _ in } }
            try #require(try await eventually { client.waiting == 2 })
            client.giveUpWaiting()
            await #expect(throws: DatabaseWaitError.outage) { try await query.value }
            await #expect(throws: DatabaseWaitError.outage) { try await lease.value }
            try await holder.release()
            try await client.query("SELECT 1")
        }
    }

    @Test func aCallerThatGivesUpItselfIsCancelledNotTimedOut() async throws {
        try await Self.withOneConnection(waitLimit: .seconds(600)) { client in
            let holder = try await Holder.holding(client)
            let lease = Task { try await client.withConnection { _ in } }
            try #require(try await eventually { client.waiting == 1 })
            lease.cancel()
            let error = await #expect(throws: (any Error).self) { try await lease.value }
            #expect(!(error is DatabaseWaitError), "\(String(describing: error))")
            #expect(client.waiting == 0)
            try await holder.release()
            try await client.query("SELECT 1")
        }
    }

    @Test func aQueryAlreadyRunningIsNotCutShortWhenWaitsAreGivenUp() async throws {
        // Once a query has its connection its wait is over: giving up every wait must not touch it.
        try await Self.withOneConnection(waitLimit: .seconds(600)) { client in
            let key = Int64.random(in: 1...Int64(Int32.max))
            let logger = TestDatabase.logger
            let blocker = try await Database.connect(url: try TestDatabase.serverURL(), timeout: .seconds(30), logger: logger)
            try await blocker.query("SELECT pg_advisory_lock(\(key))", logger: logger)
            let query = Task {
                try await client.query("SELECT 7 FROM (SELECT pg_advisory_lock(\(key))) AS taken_in_connection_wait_test").decode(Int.self)
                    .reduce(into: [Int]()) { $0.append($1) }
            }
            // Running on the server, waiting for the lock.
            try #require(try await eventually {
                let rows = try await blocker.query("""
                    SELECT count(*)::int FROM pg_stat_activity
                    WHERE wait_event_type = 'Lock' AND query LIKE '%AS taken_in_connection_wait_test%'
                    """, logger: logger)
                return try await rows.decode(Int.self).reduce(0, +) == 1
            })
            #expect(client.waiting == 0, "a query that has its connection is no longer waiting")
            client.giveUpWaiting()
            try await blocker.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
            #expect(try await query.value == [7])
            try await client.query("SELECT pg_advisory_unlock_all()")
            try await blocker.close()
        }
    }

    /// A continuation that only `open()` resumes: deaf to cancellation, as a driver's lease that
    /// missed its cancellation would be.
    final class DeafGate: Sendable {
        private let state = Locked<(open: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
        func wait() async {
            await withCheckedContinuation { continuation in
                let open = state.withLock { state -> Bool in
                    if !state.open { state.waiter = continuation }
                    return state.open
                }
                if open { continuation.resume() }
            }
        }
        func open() {
            state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.open = true
                defer { state.waiter = nil }
                return state.waiter
            }?.resume()
        }
    }

    @Test func aGivenUpWaitDoesNotWaitForAHolderThatIgnoresCancellation() async throws {
        try await withTimeout(patience) {
            let waits = ConnectionWaits(limit: .seconds(600))
            let gate = DeafGate()
            let (asked, askedSignal) = AsyncStream<Void>.makeStream()
            let (handedBack, handedBackSignal) = AsyncStream<Void>.makeStream()
            let logger = TestDatabase.logger
            let connection = try await Database.connect(url: try TestDatabase.serverURL(), timeout: .seconds(30), logger: logger)
            let caller = Task {
                try await waits.lease { hold in
                    defer { handedBackSignal.finish() }
                    askedSignal.yield()
                    await gate.wait()
                    // The connection comes after the caller was given up: `hold` returns at once.
                    try await hold(connection)
                    handedBackSignal.yield()
                }
            }
            for await _ in asked { break }
            #expect(waits.count == 1)
            waits.giveUpAll()
            await #expect(throws: DatabaseWaitError.outage) { _ = try await caller.value }
            #expect(waits.count == 0)
            gate.open()
            var returned = false
            for await _ in handedBack { returned = true; break }
            #expect(returned, "the late connection was handed back to the pool")
            try await connection.close()
        }
    }

    @Test func workThatNeverEndsIsLetGoWhenItsConnectionCloses() async throws {
        try await withTimeout(patience) {
            let logger = TestDatabase.logger
            let connection = try await Database.connect(url: try TestDatabase.serverURL(), timeout: .seconds(30), logger: logger)
            let gate = DeafGate()
            defer { gate.open() }
            let (started, startedSignal) = AsyncStream<Void>.makeStream()
            // Work that would never end by itself (an answer the driver never delivers).
            let query = Task {
                try await ConnectionWaits.unlessClosed(connection, grace: .zero) { _ in
                    startedSignal.yield()
                    await gate.wait()
                    return 1
                }
            }
            for await _ in started { break }
            try await connection.close()
            await #expect(throws: DatabaseWaitError.connectionClosed) { _ = try await query.value }
        }
    }

    @Test func aQueryOnAClosedConnectionEndsAndOneThatAnswersKeepsItsAnswer() async throws {
        try await withTimeout(patience) {
            let logger = TestDatabase.logger
            let connection = try await Database.connect(url: try TestDatabase.serverURL(), timeout: .seconds(30), logger: logger)
            let answer = try await ConnectionWaits.unlessClosed(connection) {
                try await $0.query("SELECT 6 * 7", logger: logger).decode(Int.self).reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(answer == [42])
            try await connection.close()
            // PostgresNIO drops a query written to a closed connection (no answer, no error):
            // the call must end anyway.
            await #expect(throws: (any Error).self) {
                _ = try await ConnectionWaits.unlessClosed(connection, grace: .zero) { try await $0.query("SELECT 1", logger: logger).collect() }
            }
        }
    }

    @Test func aTransactionWhoseConnectionClosesEndsAndThePoolServesAgain() async throws {
        try await Self.withOneConnection(waitLimit: .seconds(600)) { client in
            // COMMIT goes to a connection that closed inside the transaction: with PostgresNIO's
            // own withTransaction that call never returned.
            let error = await #expect(throws: DatabaseTransactionError.self) {
                try await client.withTransaction(logger: TestDatabase.logger) { try await $0.close() }
            }
            #expect(error?.commitError as? DatabaseWaitError == .connectionClosed || error?.commitError is PSQLError,
                    "\(String(describing: error?.commitError))")
            let answer = try await client.query("SELECT 1").decode(Int.self).reduce(into: [Int]()) { $0.append($1) }
            #expect(answer == [1])
        }
    }
}
