
/// Thrown by `withTimeout` when the limit passes first.
public struct TimeoutError: Error, CustomStringConvertible {
    public let limit: Duration
    public init(limit: Duration) { self.limit = limit }
    public var description: String { "timed out after \(limit)" }
}

/// `body`'s result, or `TimeoutError` after `limit`, without waiting for `body` to notice its
/// cancellation. A query to a database that stopped answering never returns until it answers
/// again, and a hung native decode never returns at all; a task group would wait for either.
/// On timeout `body`'s task is cancelled and left to end by itself: whatever it still does must
/// be harmless when repeated (job handlers are idempotent; a ping has no effect).
public func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let resumed = Locked(false)
    let claim: @Sendable () -> Bool = { resumed.withLock { done in defer { done = true }; return !done } }
    let work = Locked<Task<Void, Never>?>(nil)
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            let task = Task {
                do {
                    let value = try await body()
                    if claim() { continuation.resume(returning: value) }
                } catch {
                    if claim() { continuation.resume(throwing: error) }
                }
            }
            work.withLock { $0 = task }
            if Task.isCancelled { task.cancel() }
            Task {
                try? await Task.sleep(for: limit)
                if claim() {
                    task.cancel()
                    continuation.resume(throwing: TimeoutError(limit: limit))
                }
            }
        }
    } onCancel: {
        // The caller gave up (a shutdown, a client gone): pass it on to `body`.
        work.withLock { $0 }?.cancel()
    }
}
