import Foundation

/// A fixed number of threads for blocking native work (libvips decodes, ONNX Runtime, dlib)
/// whose calls can be given up on.
///
/// Native code cannot be stopped safely from outside: killing a thread in the middle of a
/// libvips or ONNX Runtime call would leave their locks and caches broken for the rest of the
/// process. So a call whose caller stops waiting (its task is cancelled, e.g. by a job's
/// processing timeout) is *abandoned*: the caller gets `CancellationError` at once, the thread
/// running the call is written off and ends when the call returns (if ever), and a new thread
/// takes its place. A hung decode then costs one thread and its memory, not a slot of the pool.
/// A call abandoned before it started is dropped from the queue.
///
/// At most `maxAbandoned` written-off threads may be running at once; past that no replacement
/// is started (the pool shrinks rather than grows without bound), and `abandonedRunning` tells
/// health checks and metrics that the process should be restarted.
public final class AbandonableThreadPool: @unchecked Sendable {
    public let size: Int
    public let maxAbandoned: Int
    private let name: String
    /// Guards everything below and wakes idle threads.
    private let condition = NSCondition()
    private var queue: [Call] = []
    private var live = 0
    private var started = 0
    private var abandonedNow = 0
    private var abandonedEver = 0

    /// One call. Its fields are guarded by the pool's `condition`.
    final class Call: @unchecked Sendable {
        enum Phase { case queued, running, done, abandoned }
        var phase = Phase.queued
        /// Runs the body and hands back a closure that answers the caller.
        let body: () -> (() -> Void)
        /// Answers the caller with `CancellationError`.
        let cancel: () -> Void
        init(body: @escaping () -> (() -> Void), cancel: @escaping () -> Void) {
            self.body = body
            self.cancel = cancel
        }
    }

    public init(name: String, size: Int, maxAbandoned: Int? = nil) {
        self.name = name
        self.size = max(1, size)
        self.maxAbandoned = maxAbandoned ?? 4 * max(1, size)
        condition.lock()
        for _ in 0..<self.size { startThread() }
        condition.unlock()
    }

    /// Threads taking work now (written-off ones excluded).
    public var liveThreads: Int { condition.withLock { live } }
    /// Abandoned calls whose threads have not returned yet.
    public var abandonedRunning: Int { condition.withLock { abandonedNow } }
    /// Calls abandoned while running, since start.
    public var abandonedTotal: Int { condition.withLock { abandonedEver } }
    /// Calls waiting for a thread.
    public var queuedCalls: Int { condition.withLock { queue.count } }

    /// Runs `body` on one of the pool's threads. Cancelling the calling task abandons the call.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let submitted = Locked<Call?>(nil)
        return try await withTaskCancellationHandler {
            try await PendingWaits.track("thread pool call") { try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                let call = Call(
                    body: {
                        let result = Result { try body() }
                        return { continuation.resume(with: result) }
                    },
                    cancel: { continuation.resume(throwing: CancellationError()) })
                submitted.withLock { $0 = call }
                condition.withLock {
                    queue.append(call)
                    condition.signal()
                }
                if Task.isCancelled { abandon(call) }
            } }
        } onCancel: {
            if let call = submitted.withLock({ $0 }) { abandon(call) }
        }
    }

    private func abandon(_ call: Call) {
        condition.lock()
        switch call.phase {
        case .queued:
            queue.removeAll { $0 === call }
        case .running:
            abandonedNow += 1
            abandonedEver += 1
            live -= 1
            if abandonedNow <= maxAbandoned { startThread() }
        case .done, .abandoned:
            condition.unlock()
            return
        }
        call.phase = .abandoned
        condition.unlock()
        call.cancel()
    }

    /// Call with `condition` held.
    private func startThread() {
        live += 1
        started += 1
        let thread = Thread { [self] in loop() }
        thread.name = "\(name)-\(started)"
        thread.start()
    }

    private func loop() {
        condition.lock()
        while true {
            while queue.isEmpty { condition.wait() }
            let call = queue.removeFirst()
            call.phase = .running
            condition.unlock()
            let answer = call.body()
            condition.lock()
            if call.phase == .abandoned {
                // Written off while it ran: a replacement has taken this thread's place.
                abandonedNow -= 1
                condition.unlock()
                return
            }
            call.phase = .done
            condition.unlock()
            answer()
            condition.lock()
        }
    }
}
