import Foundation
import FacepipeCore

/// `diagnostic.sleep`: sleeps `ms` milliseconds (only in the first `slow_attempts` attempts, if
/// given) and fails its first `fail_times` attempts.
/// Used by tests (crash recovery, retries) and benchmarks; off unless QUEUE_DIAGNOSTIC_JOBS=true.
public struct SleepJobHandler: JobHandler {
    public struct Payload: Codable, Sendable {
        public var ms: Int
        public var failTimes: Int?
        public var slowAttempts: Int?
        /// After the sleep, wait until this file exists: a test holds the job running for as
        /// long as it needs (a starved machine can let a fixed sleep pass unobserved).
        public var untilFile: String?
        public init(ms: Int, failTimes: Int? = nil, slowAttempts: Int? = nil, untilFile: String? = nil) {
            self.ms = ms
            self.failTimes = failTimes
            self.slowAttempts = slowAttempts
            self.untilFile = untilFile
        }
        enum CodingKeys: String, CodingKey {
            case ms
            case failTimes = "fail_times"
            case slowAttempts = "slow_attempts"
            case untilFile = "until_file"
        }
    }

    public init() {}

    public func handle(_ job: ClaimedJob, context: JobContext) async throws {
        let payload = try job.decodePayload(Payload.self)
        if job.attempt <= payload.slowAttempts ?? .max {
            try await Task.sleep(for: .milliseconds(max(0, payload.ms)))
        }
        if let path = payload.untilFile {
            while !FileManager.default.fileExists(atPath: path) { try await Task.sleep(for: .milliseconds(50)) }
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
