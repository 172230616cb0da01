import FacepipeCore
import Foundation
import Persistence
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
                try await client.withConnection { connection in
                    try await connection.query("SELECT 1", logger: TestDatabase.logger)
                    heldSignal.yield()
                    for await _ in released {}
                }
            }
        }

        func holding() async { for await _ in held { return } }
        func release() async throws {
            releaseSignal.finish()
            try await task.value
        }
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
            let holder = Holder(client)
            await holder.holding()
            await #expect(throws: DatabaseWaitError.limit(.seconds(1))) { try await client.query("SELECT 1") }
            await #expect(throws: DatabaseWaitError.limit(.seconds(1))) {
                try await client.withTransaction(logger: TestDatabase.logger) { try await $0.query("SELECT 1", logger: TestDatabase.logger) }
            }
            #expect(client.waiting == 0)
            // The given-up waits took nothing with them: the one connection serves again.
            try await holder.release()
            let answer = try await client.query("SELECT 41 + 1").decode(Int.self).reduce(into: [Int]()) { $0.append($1) }
            #expect(answer == [42])
            try await client.withTransaction(logger: TestDatabase.logger) { try await $0.query("SELECT 1", logger: TestDatabase.logger) }
        }
    }

    @Test func anOutageEndsEveryWaitAtOnce() async throws {
        try await Self.withOneConnection(waitLimit: .seconds(600)) { client in
            let holder = Holder(client)
            await holder.holding()
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
            let holder = Holder(client)
            await holder.holding()
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
        // `query` counts its whole call as the wait (the lease happens inside PostgresNIO), so
        // giving up cancels a query that is already running on the server: that must change nothing.
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
            client.giveUpWaiting()
            try await blocker.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
            #expect(try await query.value == [7])
            try await client.query("SELECT pg_advisory_unlock_all()")
            try await blocker.close()
        }
    }
}
