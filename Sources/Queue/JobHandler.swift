import FacepipeCore
import Logging

/// Runs one kind of job. Delivery is at-least-once (a job whose worker died runs again),
/// so handlers must be idempotent.
public protocol JobHandler: Sendable {
    func handle(_ job: ClaimedJob, context: JobContext) async throws

    /// Called once the queue has recorded that the job failed for good — a permanent error, its
    /// last attempt failed or timed out, or its last worker stopped answering: the one place a
    /// handler marks what the job was for (an image, a copy, a document) as failed. Idempotent
    /// like `handle`; errors are logged, not retried.
    func failedForGood(_ job: ClaimedJob, error: String, context: JobContext) async throws
}

extension JobHandler {
    public func failedForGood(_ job: ClaimedJob, error: String, context: JobContext) async throws {}
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
    /// Kinds this process deliberately leaves to other workers, with why (a worker without face
    /// models leaves copies and embeddings to one that has them: the jobs wait, unclaimed).
    public private(set) var declined: [JobKind: String] = [:]

    public init() {}

    public mutating func register(_ kind: JobKind, _ handler: some JobHandler) {
        handlers[kind] = handler
        declined[kind] = nil
    }

    public mutating func decline(_ kind: JobKind, because reason: String) {
        guard handlers[kind] == nil else { return }
        declined[kind] = reason
    }

    public func handler(for kind: JobKind) -> (any JobHandler)? { handlers[kind] }

    public var kinds: [String] { handlers.keys.map(\.rawValue).sorted() }

    /// Refuses a registry in which one of `kinds` is neither handled nor declined: a job kind
    /// added without its handler stops the worker at start-up instead of waiting in the queue.
    public func requireEvery(_ kinds: [JobKind]) throws {
        let missing = kinds.filter { handlers[$0] == nil && declined[$0] == nil }
        guard missing.isEmpty else { throw UnhandledJobKinds(kinds: missing.map(\.rawValue)) }
    }
}

public struct UnhandledJobKinds: Error, CustomStringConvertible {
    public let kinds: [String]
    public var description: String { "no handler for job kind(s) \(kinds.joined(separator: ", ")): this build cannot run them" }
}
