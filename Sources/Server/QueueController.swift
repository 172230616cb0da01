import FacepipeCore
import Foundation
import Hummingbird
import Queue

/// Queue inspection: `GET /queue`, `GET /jobs/:id`, `POST /jobs/:id/cancel`.
struct QueueController {
    let queue: JobQueue

    struct QueueSummary: ResponseEncodable {
        var byStatus: [String: Int]
        var byKind: [String: [String: Int]]
    }

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/queue") { _, _ -> QueueSummary in
            let counts = try await queue.counts()
            var byStatus = Dictionary(uniqueKeysWithValues: JobStatus.allCases.map { ($0.rawValue, 0) })
            var byKind: [String: [String: Int]] = [:]
            for count in counts {
                byStatus[count.status.rawValue, default: 0] += count.count
                byKind[count.kind, default: [:]][count.status.rawValue] = count.count
            }
            return QueueSummary(byStatus: byStatus, byKind: byKind)
        }
        router.get("/jobs/:id") { _, context -> JobRecord in
            let id = try jobID(context)
            guard let job = try await queue.job(id) else { throw APIError.notFound("job \(id) not found") }
            return job
        }
        router.post("/jobs/:id/cancel") { _, context -> JobRecord in
            let id = try jobID(context)
            do {
                _ = try await queue.cancel(id)
            } catch QueueError.notFound {
                throw APIError.notFound("job \(id) not found")
            } catch QueueError.notCancellable(_, let status) {
                throw APIError.conflict("job \(id) is \(status.rawValue); only queued jobs can be cancelled", code: "not_cancellable")
            }
            guard let job = try await queue.job(id) else { throw APIError.notFound("job \(id) not found") }
            return job
        }
    }

    private func jobID(_ context: some RequestContext) throws -> Int64 {
        guard let raw = context.parameters.get("id"), let id = Int64(raw), id > 0 else {
            throw APIError.badRequest("job id must be a positive integer", code: "invalid_id")
        }
        return id
    }
}

extension JobRecord: ResponseEncodable {}
