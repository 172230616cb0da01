import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Queue

/// Asking for an anonymized copy: the variant row and the job that makes it, in the caller's
/// transaction. Used by `POST /images/{id}/process` and by process_image for uploads that asked
/// for `blurFaces`, so both deduplicate the same way (image + pipeline + options digest).
public struct AnonymizeRequests: Sendable {
    let queue: JobQueue
    let variants: VariantRepository
    let timeline: TimelineRepository

    public init(queue: JobQueue, client: DatabaseClient, logger: Logger) {
        self.queue = queue
        self.variants = VariantRepository(client: client, logger: logger)
        self.timeline = TimelineRepository(client: client, logger: logger)
    }

    public struct Outcome: Sendable, Equatable {
        public var variantID: UUID
        /// nil only for copies made before variants existed.
        public var jobID: Int64?
        public var status: ImageStatus
        /// The same options were asked for before and that copy is queued, running or done.
        public var duplicate: Bool
    }

    public func request(_ imageID: UUID, _ settings: AnonymizeSettings, correlationID: String?, requestedBy: String?,
                        on connection: PostgresConnection) async throws -> Outcome {
        let request = try await variants.request(imageID, settings, requestedBy: requestedBy, on: connection)
        guard request.isNew else {
            return Outcome(variantID: request.variantID, jobID: request.jobID, status: request.status, duplicate: true)
        }
        let job = ImageJob.anonymize(image: imageID, variant: request.variantID, optionsDigest: settings.digest)
            .newJob(correlationID: correlationID, requestedBy: requestedBy)
        let jobID = try await queue.enqueue(job, on: connection).jobID
        if let options = try await variants.attach(request.variantID, jobID: jobID, on: connection) {
            try await timeline.append(.anonymizeQueued(variant: request.variantID, options: options), imageID: imageID, jobID: jobID,
                                      on: connection)
        }
        return Outcome(variantID: request.variantID, jobID: jobID, status: .queued, duplicate: false)
    }
}
