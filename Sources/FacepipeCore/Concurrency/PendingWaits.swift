/// The waits in progress that could last for ever if a continuation were lost: the database
/// pool's start and shutdown, a wait for a connection, a query on a connection. Each is
/// registered while it lasts, so a process that stops making progress can say what it waits
/// for (`overdue`), where a thread dump shows only idle threads.
///
/// Why: a fresh-clone `make test` once stopped with 17 tests suspended, every thread idle and no
/// database session open; nothing said which await they were in. The test suite prints the
/// overdue waits when a test has run for minutes (`TestSupport`'s stall watch).
public enum PendingWaits {
    public struct Wait: Sendable, CustomStringConvertible {
        public let label: String
        public let since: ContinuousClock.Instant
        public var description: String { "\(label) for \(ContinuousClock.now - since)" }
    }

    private static let open = Locked<(next: Int, waits: [Int: Wait])>((0, [:]))

    /// Runs `body`, registered under `label` while it runs.
    public static func track<T>(
        _ label: @autoclosure () -> String, isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> sending T
    ) async rethrows -> sending T {
        let wait = Wait(label: label(), since: .now)
        let id = open.withLock { state in
            state.next += 1
            state.waits[state.next] = wait
            return state.next
        }
        defer { _ = open.withLock { $0.waits.removeValue(forKey: id) } }
        return try await body()
    }

    /// The waits that have lasted at least `age`, oldest first.
    public static func overdue(after age: Duration, now: ContinuousClock.Instant = .now) -> [Wait] {
        open.withLock { Array($0.waits.values) }.filter { now - $0.since >= age }.sorted { $0.since < $1.since }
    }
}
