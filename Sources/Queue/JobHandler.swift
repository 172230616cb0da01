import FacepipeCore
import Logging

/// Runs one kind of job. Delivery is at-least-once (a job whose worker died runs again),
/// so handlers must be idempotent.
public protocol JobHandler: Sendable {
    func handle(_ job: ClaimedJob, context: JobContext) async throws
}

public struct JobContext: Sendable {
    /// Carries `job_id`, `job_kind` and the originating `request_id`.
    public var logger: Logger
    public var workerID: String

    public init(logger: Logger, workerID: String) {
        self.logger = logger
        self.workerID = workerID
    }
}

/// Thrown by a handler when retrying cannot help (bad input, missing row): the job fails at once.
public struct PermanentJobError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Job handlers by kind.
public struct JobHandlerRegistry: Sendable {
    private var handlers: [JobKind: any JobHandler] = [:]

    public init() {}

    public mutating func register(_ kind: JobKind, _ handler: some JobHandler) {
        handlers[kind] = handler
    }

    public func handler(for kind: JobKind) -> (any JobHandler)? { handlers[kind] }

    public var kinds: [String] { handlers.keys.map(\.rawValue).sorted() }
}
