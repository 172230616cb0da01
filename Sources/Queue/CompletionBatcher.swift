import FacepipeCore

/// Group commit for job completions: callers that finish while a flush is in flight are
/// completed together by the next statement. Under load this turns N round trips into a
/// few; when idle, a completion is flushed at once (no timer, no added latency).
actor CompletionBatcher {
    private var pending: [(id: Int64, waiter: CheckedContinuation<Bool, any Error>)] = []
    private var flushing = false
    private let flush: @Sendable ([Int64]) async throws -> [Int64]

    /// `flush` completes the given ids and returns those it completed.
    init(flush: @escaping @Sendable ([Int64]) async throws -> [Int64]) {
        self.flush = flush
    }

    /// Returns whether this worker still held the job (false: its lease was lost).
    func complete(_ id: Int64) async throws -> Bool {
        try await PendingWaits.track("job completion batch") {
            try await withCheckedThrowingContinuation { waiter in
                pending.append((id, waiter))
                if !flushing {
                    flushing = true
                    Task { await self.drain() }
                }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            do {
                let done = Set(try await flush(batch.map(\.id)))
                for entry in batch { entry.waiter.resume(returning: done.contains(entry.id)) }
            } catch {
                for entry in batch { entry.waiter.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
