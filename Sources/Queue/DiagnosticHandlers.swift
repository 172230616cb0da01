import FacepipeCore

/// `diagnostic.sleep`: sleeps `ms` milliseconds (only in the first `slow_attempts` attempts, if
/// given) and fails its first `fail_times` attempts.
/// Used by tests (crash recovery, retries) and benchmarks; off unless QUEUE_DIAGNOSTIC_JOBS=true.
public struct SleepJobHandler: JobHandler {
    public struct Payload: Codable, Sendable {
        public var ms: Int
        public var failTimes: Int?
        public var slowAttempts: Int?
        public init(ms: Int, failTimes: Int? = nil, slowAttempts: Int? = nil) {
            self.ms = ms
            self.failTimes = failTimes
            self.slowAttempts = slowAttempts
        }
        enum CodingKeys: String, CodingKey {
            case ms
            case failTimes = "fail_times"
            case slowAttempts = "slow_attempts"
        }
    }

    public init() {}

    public func handle(_ job: ClaimedJob, context: JobContext) async throws {
        let payload = try job.decodePayload(Payload.self)
        if job.attempt <= payload.slowAttempts ?? .max {
            try await Task.sleep(for: .milliseconds(max(0, payload.ms)))
        }
        if let failTimes = payload.failTimes, job.attempt <= failTimes {
            throw DiagnosticFailure(attempt: job.attempt)
        }
    }
}

struct DiagnosticFailure: Error, CustomStringConvertible {
    let attempt: Int
    var description: String { "diagnostic failure on attempt \(attempt)" }
}

/// `diagnostic.noop`: does nothing; measures the queue's own overhead.
public struct NoopJobHandler: JobHandler {
    public init() {}
    public func handle(_ job: ClaimedJob, context: JobContext) async throws {}
}

extension JobHandlerRegistry {
    public mutating func registerDiagnostics() {
        register(.diagnosticSleep, SleepJobHandler())
        register(.diagnosticNoop, NoopJobHandler())
    }
}
