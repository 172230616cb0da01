import Foundation

/// The lifecycle of a job row: queued → running → done | failed | cancelled
/// (running → queued again on a retry or when its lease expires).
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued, running, done, failed, cancelled
}

/// Job kinds are strings in `jobs.kind`: facepipe's image work is `ImageJob.Kind`; webhook
/// deliveries and diagnostics add theirs.
public struct JobKind: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let webhook: JobKind = "webhook"
    /// Diagnostic kinds: sleep for `ms`, failing the first `fail_times` attempts.
    public static let diagnosticSleep: JobKind = "diagnostic.sleep"
    public static let diagnosticNoop: JobKind = "diagnostic.noop"
}

/// What a caller asks to have done.
public struct NewJob: Sendable, Equatable {
    public var kind: JobKind
    /// JSON object text handed to the handler.
    public var payload: String
    public var imageID: UUID?
    public var priority: Int
    public var runAt: Date?
    public var maxAttempts: Int?
    /// At most one queued-or-running job per key; a second enqueue returns the first.
    public var dedupeKey: String?
    /// The request id of the HTTP request that caused this job (carried into its logs).
    public var correlationID: String?
    /// The caller whose request caused this job (`Caller.id`: a key id or token subject, never a secret).
    public var requestedBy: String?

    public init(
        kind: JobKind, payload: String = "{}", imageID: UUID? = nil, priority: Int = 0, runAt: Date? = nil,
        maxAttempts: Int? = nil, dedupeKey: String? = nil, correlationID: String? = nil, requestedBy: String? = nil
    ) {
        self.requestedBy = requestedBy
        self.kind = kind
        self.payload = payload
        self.imageID = imageID
        self.priority = priority
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.dedupeKey = dedupeKey
        self.correlationID = correlationID
    }

    public init(kind: JobKind, payload: some Encodable, imageID: UUID? = nil, priority: Int = 0, dedupeKey: String? = nil,
                correlationID: String? = nil, maxAttempts: Int? = nil) throws {
        let text = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        self.init(kind: kind, payload: text, imageID: imageID, priority: priority, maxAttempts: maxAttempts,
                  dedupeKey: dedupeKey, correlationID: correlationID)
    }
}

public enum EnqueueResult: Sendable, Equatable {
    case enqueued(Int64)
    /// A queued or running job with the same dedupe key already exists.
    case duplicate(existing: Int64)

    public var jobID: Int64 {
        switch self {
        case .enqueued(let id), .duplicate(let id): id
        }
    }
}

/// A job this worker holds a lease on.
public struct ClaimedJob: Sendable, Equatable {
    public var id: Int64
    public var kind: JobKind
    public var payload: String
    public var imageID: UUID?
    /// 1 on the first run; incremented by every claim.
    public var attempt: Int
    public var maxAttempts: Int
    public var correlationID: String?
    /// `Caller.id` of the request that caused it (logged as `caller`).
    public var requestedBy: String?

    public init(id: Int64, kind: JobKind, payload: String, imageID: UUID?, attempt: Int, maxAttempts: Int, correlationID: String?,
                requestedBy: String? = nil) {
        self.requestedBy = requestedBy
        self.id = id
        self.kind = kind
        self.payload = payload
        self.imageID = imageID
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.correlationID = correlationID
    }

    public func decodePayload<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(payload.utf8))
    }
}

/// A job row as the API shows it.
public struct JobRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var kind: String
    public var status: JobStatus
    public var imageID: UUID?
    public var priority: Int
    public var attempts: Int
    public var maxAttempts: Int
    public var runAt: Date
    public var claimedBy: String?
    public var leaseUntil: Date?
    public var dedupeKey: String?
    public var correlationID: String?
    /// One entry per failed attempt: `{attempt, at, error, worker}`.
    public var errorLog: [JobErrorEntry]
    public var createdAt: Date
    public var finishedAt: Date?

    public init(id: Int64, kind: String, status: JobStatus, imageID: UUID?, priority: Int, attempts: Int, maxAttempts: Int,
                runAt: Date, claimedBy: String?, leaseUntil: Date?, dedupeKey: String?, correlationID: String?,
                errorLog: [JobErrorEntry], createdAt: Date, finishedAt: Date?) {
        self.id = id
        self.kind = kind
        self.status = status
        self.imageID = imageID
        self.priority = priority
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.runAt = runAt
        self.claimedBy = claimedBy
        self.leaseUntil = leaseUntil
        self.dedupeKey = dedupeKey
        self.correlationID = correlationID
        self.errorLog = errorLog
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }
}

public struct JobErrorEntry: Sendable, Codable, Equatable {
    public var attempt: Int
    public var at: String
    public var error: String
    public var worker: String?

    public init(attempt: Int, at: String, error: String, worker: String?) {
        self.attempt = attempt
        self.at = at
        self.error = error
        self.worker = worker
    }
}

/// Queue depth: jobs per (kind, status).
public struct QueueCount: Sendable, Codable, Equatable {
    public var kind: String
    public var status: JobStatus
    public var count: Int
    public init(kind: String, status: JobStatus, count: Int) {
        self.kind = kind
        self.status = status
        self.count = count
    }
}
