import FacepipeCore
import Foundation
import Testing
import TestSupport

/// The imaging threads' pool: calls run on its threads, and a call whose caller gives up is
/// abandoned without holding up the pool (a blocked thread stands in for a hung decode: like
/// native code, it never looks at Swift cancellation).
@Suite struct AbandonableThreadPoolTests {
    @Test func callsReturnTheirValuesAndErrors() async throws {
        let pool = AbandonableThreadPool(name: "t", size: 2)
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<20 { group.addTask { try await pool.run { n * n } } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values.sorted() == (0..<20).map { $0 * $0 })
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await pool.run { throw Refused() } }
        #expect(pool.abandonedTotal == 0)
    }

    @Test func aHungCallIsAbandonedAndItsThreadReplaced() async throws {
        let pool = AbandonableThreadPool(name: "t", size: 1)
        let gate = Gate()
        defer { gate.open() }
        let hung = Task { try await pool.run { gate.block(); return "late" } }
        try await gate.waitUntilBlocked(1)  // running on the pool's thread, not still queued
        hung.cancel()
        // The caller is answered while the call is still blocked: the gate opens only below.
        await #expect(throws: CancellationError.self) { try await hung.value }
        #expect(gate.blockedNow == 1)
        #expect(pool.abandonedRunning == 1)
        #expect(pool.liveThreads == 1)
        // The only thread is stuck, yet the next call runs on its replacement.
        #expect(try await pool.run { 42 } == 42)
        #expect(gate.blockedNow == 1, "answered by the replacement while the abandoned call still blocks")
        // When the abandoned call returns, its thread ends instead of joining the pool again.
        gate.open()
        #expect(try await eventually { pool.abandonedRunning == 0 })
        #expect(pool.liveThreads == 1)
        #expect(pool.abandonedTotal == 1)
    }

    @Test func aCallAbandonedBeforeItStartsNeverRuns() async throws {
        let pool = AbandonableThreadPool(name: "t", size: 1)
        let gate = Gate()
        defer { gate.open() }
        let ran = Locked(false)
        // The blocker holds the only thread until the gate opens, so the next call must queue.
        let blocker = Task { try await pool.run { gate.block() } }
        try await gate.waitUntilBlocked(1)
        let queued = Task { try await pool.run { ran.withLock { $0 = true } } }
        #expect(try await eventually { pool.queuedCalls == 1 })
        queued.cancel()
        await #expect(throws: CancellationError.self) { try await queued.value }
        #expect(pool.queuedCalls == 0, "the cancelled call left the queue")
        gate.open()
        try await blocker.value
        try await pool.run {}  // the only thread has passed the place where the call would have run
        #expect(!ran.withLock { $0 })
        #expect(pool.abandonedTotal == 0, "nothing was running, so no thread was written off")
    }

    @Test func writtenOffThreadsAreBounded() async throws {
        let pool = AbandonableThreadPool(name: "t", size: 1, maxAbandoned: 2)
        let gate = Gate()
        defer { gate.open() }
        for round in 1...3 {
            let hung = Task { try await pool.run { gate.block() } }
            try await gate.waitUntilBlocked(round)
            hung.cancel()
            _ = await hung.result
        }
        // Two replacements were started; the third abandonment left the pool without a thread.
        #expect(pool.abandonedRunning == 3)
        #expect(pool.liveThreads == 0)
    }
}

/// Stands in for a hung native call: `block()` holds its thread (never looking at Swift
/// cancellation) until `open()`, and the test can wait until a call is really running.
final class Gate: Sendable {
    private let released = DispatchSemaphore(value: 0)
    private let blocked = Locked(0)
    private let left = Locked(0)
    private let isOpen = Locked(false)

    func block() {
        blocked.withLock { $0 += 1 }
        defer { left.withLock { $0 += 1 } }
        guard !isOpen.withLock({ $0 }) else { return }
        released.wait()
        released.signal()  // let the next blocked call through too
    }

    func open() {
        isOpen.withLock { $0 = true }
        released.signal()
    }

    /// Calls that entered `block()` and have not left it.
    var blockedNow: Int { blocked.withLock { $0 } - left.withLock { $0 } }

    func waitUntilBlocked(_ count: Int) async throws {
        let reached = try await eventually(every: .milliseconds(10)) { self.blocked.withLock { $0 } >= count }
        if !reached { throw TestSetupError("\(count) calls never blocked") }
    }
}
