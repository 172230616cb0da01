import FacepipeCore
import Foundation
import Queue

extension FacepipeAPI {
    func getQueue(_ input: Operations.GetQueue.Input) async throws -> Operations.GetQueue.Output {
        let counts = try await queue.counts()
        var byStatus = Dictionary(uniqueKeysWithValues: JobStatus.allCases.map { ($0.rawValue, 0) })
        var byKind: [String: Components.Schemas.QueueSummary.ByKindPayload.AdditionalPropertiesPayload] = [:]
        for count in counts {
            byStatus[count.status.rawValue, default: 0] += count.count
            byKind[count.kind, default: .init(additionalProperties: [:])].additionalProperties[count.status.rawValue] = count.count
        }
        return .ok(.init(body: .json(.init(byStatus: .init(additionalProperties: byStatus), byKind: .init(additionalProperties: byKind)))))
    }

    func getJob(_ input: Operations.GetJob.Input) async throws -> Operations.GetJob.Output {
        let id = input.path.id
        guard let job = try await queue.job(id) else { throw APIError.notFound("job \(id) not found") }
        return .ok(.init(body: .json(Self.schema(job))))
    }

    func cancelJob(_ input: Operations.CancelJob.Input) async throws -> Operations.CancelJob.Output {
        let id = input.path.id
        do {
            _ = try await queue.cancel(id)
        } catch QueueError.notFound {
            throw APIError.notFound("job \(id) not found")
        } catch QueueError.notCancellable(_, let status) {
            throw APIError.conflict("job \(id) is \(status.rawValue); only queued jobs can be cancelled", code: "not_cancellable")
        }
        guard let job = try await queue.job(id) else { throw APIError.notFound("job \(id) not found") }
        return .ok(.init(body: .json(Self.schema(job))))
    }

    static func schema(_ job: JobRecord) -> Components.Schemas.Job {
        Components.Schemas.Job(
            id: job.id, kind: job.kind, status: .init(rawValue: job.status.rawValue) ?? .failed,
            imageId: job.imageID?.uuidString.lowercased(), priority: job.priority, attempts: job.attempts,
            maxAttempts: job.maxAttempts, runAt: job.runAt, claimedBy: job.claimedBy, leaseUntil: job.leaseUntil,
            dedupeKey: job.dedupeKey, correlationId: job.correlationID, createdAt: job.createdAt, finishedAt: job.finishedAt,
            errorLog: job.errorLog.map { .init(attempt: $0.attempt, at: $0.at, error: $0.error, worker: $0.worker) })
    }
}
