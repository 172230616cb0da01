import FacepipeCore
import Foundation
import NIOCore
import Scanning
import Testing
import TestSupport

/// The scan queue's rules, against a scripted scanner (the clamd side is covered by
/// `ClamdScannerTests` and `FailureTests`): at most `slots` scans reach the scanner at once,
/// a timeout while the scanner answers PING is scanned again, a timeout without PING is
/// "unreachable", and a caller who gives up while waiting leaves the line.
@Suite struct ScanQueueTests {
    @Test func noMoreThanTheSlotsReachTheScannerAndTheRestWaitInLine() async throws {
        let scanner = ScriptedScanner()
        let queue = ScanQueue(scanner, slots: 2, attempts: 3)
        try await withThrowingTaskGroup(of: ScanVerdict.self) { group in
            for _ in 0..<10 { group.addTask { try await queue.scan(bytes: ByteBuffer(string: "x")) } }
            #expect(try await eventually { scanner.running == 2 })
            #expect(try await eventually { await queue.waiting == 8 })
            scanner.open()
            for try await verdict in group { #expect(verdict == .clean) }
        }
        #expect(scanner.calls == 10)
        #expect(scanner.mostAtOnce == 2)
        #expect(await queue.waiting == 0)
    }

    @Test func aTimeoutWhileTheScannerAnswersPingIsScannedAgain() async throws {
        let scanner = ScriptedScanner(results: [.failure(.timeout)], open: true)
        #expect(try await ScanQueue(scanner, slots: 1, attempts: 3).scan(bytes: ByteBuffer(string: "x")) == .clean)
        #expect(scanner.calls == 2)
        #expect(scanner.pings == 1)

        let busy = ScriptedScanner(results: Array(repeating: .failure(.timeout), count: 10), open: true)
        await #expect(throws: ScanError.timeout) { try await ScanQueue(busy, slots: 1, attempts: 3).scan(bytes: ByteBuffer(string: "x")) }
        #expect(busy.calls == 3, "up but busy: scanned `attempts` times, then the timeout stands")
    }

    @Test func aTimeoutWithoutAnAnswerToPingIsUnreachable() async throws {
        let scanner = ScriptedScanner(results: [.failure(.timeout)], open: true, pingFails: true)
        let error = await #expect(throws: ScanError.self) { try await ScanQueue(scanner, slots: 1, attempts: 3).scan(bytes: ByteBuffer(string: "x")) }
        guard case .unreachable = error else { Issue.record("expected unreachable, got \(String(describing: error))"); return }
        #expect(scanner.calls == 1)
    }

    @Test func aCallerWhoGivesUpWhileWaitingLeavesTheLine() async throws {
        let scanner = ScriptedScanner()
        let queue = ScanQueue(scanner, slots: 1, attempts: 1)
        let first = Task { try await queue.scan(bytes: ByteBuffer(string: "x")) }
        #expect(try await eventually { scanner.running == 1 })
        let second = Task { try await queue.scan(bytes: ByteBuffer(string: "y")) }
        #expect(try await eventually { await queue.waiting == 1 })
        second.cancel()
        await #expect(throws: CancellationError.self) { try await second.value }
        #expect(await queue.waiting == 0)
        scanner.open()
        #expect(try await first.value == .clean)
        #expect(try await queue.scan(bytes: ByteBuffer(string: "z")) == .clean, "the slot came back")
        #expect(scanner.calls == 2, "the cancelled scan never reached the scanner")
    }
}

/// Answers scans from `results` (then `.clean`), each only once the gate is open; counts calls,
/// pings and how many scans were inside it at once.
final class ScriptedScanner: VirusScanner {
    private struct State {
        var results: [Result<ScanVerdict, ScanError>]
        var isOpen: Bool
        var calls = 0
        var pings = 0
        var running = 0
        var mostAtOnce = 0
    }
    private let state: Locked<State>
    private let pingFails: Bool

    init(results: [Result<ScanVerdict, ScanError>] = [], open: Bool = false, pingFails: Bool = false) {
        state = Locked(State(results: results, isOpen: open))
        self.pingFails = pingFails
    }

    var calls: Int { state.withLock { $0.calls } }
    var pings: Int { state.withLock { $0.pings } }
    var running: Int { state.withLock { $0.running } }
    var mostAtOnce: Int { state.withLock { $0.mostAtOnce } }
    func open() { state.withLock { $0.isOpen = true } }

    func scan(fileAt url: URL) async throws -> ScanVerdict { try await scan(bytes: ByteBuffer()) }

    func scan(bytes: ByteBuffer) async throws -> ScanVerdict {
        state.withLock {
            $0.calls += 1
            $0.running += 1
            $0.mostAtOnce = max($0.mostAtOnce, $0.running)
        }
        defer { state.withLock { $0.running -= 1 } }
        while !state.withLock({ $0.isOpen }) { try await Task.sleep(for: .milliseconds(5)) }
        let result = state.withLock { $0.results.isEmpty ? .success(.clean) : $0.results.removeFirst() }
        return try result.get()
    }

    func ping() async throws {
        state.withLock { $0.pings += 1 }
        if pingFails { throw ScanError.timeout }
    }
}
