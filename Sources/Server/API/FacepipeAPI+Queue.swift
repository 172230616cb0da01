import FacepipeCore
import Foundation
import Queue

extension FacepipeAPI {
    func getQueue(_ input: Operations.GetQueue.Input) async throws -> Operations.GetQueue.Output {
        let counts = try await services.queue.counts(call)
        var byStatus = Dictionary(uniqueKeysWithValues: JobStatus.allCases.map { ($0.seedName, 0) })
        var byKind: [String: Components.Schemas.QueueSummary.ByKindPayload.AdditionalPropertiesPayload] = [:]
        for count in counts {
            byStatus[count.status.seedName, default: 0] += count.count
            byKind[count.kind, default: .init(additionalProperties: [:])].additionalProperties[count.status.seedName] = count.count
        }
        return .ok(.init(body: .json(.init(byStatus: .init(additionalProperties: byStatus), byKind: .init(additionalProperties: byKind)))))
    }

    func getJob(_ input: Operations.GetJob.Input) async throws -> Operations.GetJob.Output {
        .ok(.init(body: .json(Self.schema(try await services.queue.job(input.path.id, call)))))
    }

    func listJobs(_ input: Operations.ListJobs.Input) async throws -> Operations.ListJobs.Output {
        let query = input.query
        let page = try await services.queue.list(
            status: query.status.flatMap { JobStatus(seedName: $0.rawValue) }, kind: query.kind, cursor: query.cursor,
            limit: query.limit ?? 50, call)
        return .ok(.init(body: .json(.init(items: page.items.map(Self.schema), nextCursor: page.nextCursor))))
    }

    func retryJob(_ input: Operations.RetryJob.Input) async throws -> Operations.RetryJob.Output {
        .ok(.init(body: .json(Self.schema(try await services.queue.retry(input.path.id, call)))))
    }

    func cancelJob(_ input: Operations.CancelJob.Input) async throws -> Operations.CancelJob.Output {
        .ok(.init(body: .json(Self.schema(try await services.queue.cancel(input.path.id, call)))))
    }

    static func schema(_ job: JobRecord) -> Components.Schemas.Job {
        Components.Schemas.Job(
            id: job.id, kind: job.kind, status: .init(rawValue: job.status.seedName) ?? .failed,
            imageId: job.imageID?.uuidString.lowercased(), priority: job.priority, attempts: job.attempts,
            maxAttempts: job.maxAttempts, runAt: job.runAt, claimedBy: job.claimedBy, leaseUntil: job.leaseUntil,
            dedupeKey: job.dedupeKey, correlationId: job.correlationID, createdAt: job.createdAt, finishedAt: job.finishedAt,
            errorLog: job.errorLog.map { .init(attempt: $0.attempt, at: $0.at, error: $0.error, worker: $0.worker) })
    }
}

/// Seed 002's words for a job's state in the API: `processing` for a job a worker holds (the
/// queue's own `running`, kept in the database, metrics and logs).
extension JobStatus {
    var seedName: String { self == .running ? "processing" : rawValue }

    /// From the API's word; `running` is still understood.
    init?(seedName: String) {
        self.init(rawValue: seedName == "processing" ? "running" : seedName)
    }
}
