import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Queue

/// Erasure (right to be forgotten, takedown). In one transaction the image's rows go (faces and
/// vectors, hashes, duplicate pairs, timeline, queued jobs and undelivered webhooks cascade),
/// a tombstone and an audit entry are written, and an `erase_image` job is queued that deletes
/// every file `image_files` lists. The job survives crashes and restarts like any job; erasing
/// twice is harmless.
public struct ErasureService: Sendable {
    let client: DatabaseClient
    let erasures: ErasureRepository
    let reports: ReportRepository
    let queue: JobQueue
    let audit: AuditService
    let policy: AccessPolicy
    let logger: Logger

    public init(client: DatabaseClient, queue: JobQueue, audit: AuditService, policy: AccessPolicy, logger: Logger) {
        self.client = client
        self.erasures = ErasureRepository(client: client, logger: logger)
        self.reports = ReportRepository(client: client, logger: logger)
        self.queue = queue
        self.audit = audit
        self.policy = policy
        self.logger = logger
    }

    public struct Outcome: Sendable, Equatable {
        public var imageID: UUID
        /// The job deleting the files (nil when they are gone already).
        public var jobID: Int64?
        /// True once every file is deleted.
        public var completed: Bool
    }

    public func eraseImage(_ id: UUID, _ context: CallContext) async throws -> Outcome {
        try policy.require(.erase, context.caller)
        return try await erase(id, context)
    }

    /// Erases the report (its name and state) and every image that is in no other report; an image
    /// that other reports hold too only leaves this report.
    public func eraseReport(_ id: String, _ context: CallContext) async throws -> [Outcome] {
        try policy.require(.erase, context.caller)
        var outcomes: [Outcome] = []
        for (imageID, reportCount) in try await reports.images(of: id) where reportCount == 1 {
            outcomes.append(try await erase(imageID, context))
        }
        let deleted = try await client.withTransaction(logger: logger) { connection in
            let deleted = try await reports.delete(id, on: connection)
            if deleted {
                try await audit.record(.reportErased, context, target: "report:\(id)", data: ["images": outcomes.count], on: connection)
            }
            return deleted
        }
        if !deleted && outcomes.isEmpty { throw APIError.notFound("report \(id) not found") }
        return outcomes
    }

    func erase(_ id: UUID, _ context: CallContext) async throws -> Outcome {
        let key = id.uuidString.lowercased()
        let job = ImageJob.erase(image: id).newJob(correlationID: context.requestID, requestedBy: context.caller.id)
        return try await client.withTransaction(logger: logger) { connection in
            if try await erasures.begin(id, by: context.caller.id, on: connection) != nil {
                let jobID = try await queue.enqueue(job, on: connection).jobID
                try await audit.record(.imageErased, context, target: "image:\(key)", on: connection)
                return Outcome(imageID: id, jobID: jobID, completed: false)
            }
            // Erased before: finish the job if it did not (a queued one is returned, not doubled).
            guard let tombstone = try await erasures.find(id) else { throw APIError.notFound("image \(key) not found") }
            if tombstone.completedAt != nil { return Outcome(imageID: id, jobID: nil, completed: true) }
            return Outcome(imageID: id, jobID: try await queue.enqueue(job, on: connection).jobID, completed: false)
        }
    }
}
