/// Runs `operation`, throwing `ScanError.timeout` if it has not finished after `timeout`.
/// The operation is cancelled on timeout; NIO's async channel streams end on cancellation.
func withDeadline<T: Sendable>(
    _ timeout: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        // The first child to finish decides; nil means the timer won.
        guard let first = try await group.next(), let value = first else { throw ScanError.timeout }
        return value
    }
}
