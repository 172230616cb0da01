import FacepipeCore
import Foundation
import Hummingbird
import Services

/// The queue: counters by status and kind, a table of jobs (filters, cursor), refreshed in place
/// every two seconds by app.js (`/ui/queue/jobs` is the table alone); cancel and retry for admins.
extension WebController {
    func queuePage(_ request: Request, _ context: Context, fragment: Bool) async throws -> Response {
        let query = request.uri.queryParameters
        let status = query.get("status").flatMap { JobStatus(rawValue: String($0)) }
        let kind = query.get("kind").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let counts = try await services.queue.counts(call(context))
        let page = try await services.queue.list(status: status, kind: kind, cursor: query.get("cursor").map { String($0) }, limit: 50,
                                                 call(context))
        let admin = services.policy.allows(context.caller, .manageJobs)
        var byStatus: [String: Int] = [:]
        var byKind: [String: [String: Int]] = [:]
        for count in counts {
            byStatus[count.status.rawValue, default: 0] += count.count
            byKind[count.kind, default: [:]][count.status.rawValue] = count.count
        }
        let names = JobStatus.allCases.map(\.rawValue)
        let statusCounts: [[String: Any]] = names.map { ["name": $0, "count": byStatus[$0] ?? 0] }
        let kindCounts: [[String: Any]] = byKind.keys.sorted().map { kind in ["kind": kind, "counts": names.map { byKind[kind]?[$0] ?? 0 }] }
        let jobs: [[String: Any]] = page.items.map(Self.row)
        var data: [String: Any] = ["byStatus": statusCounts, "statusNames": names, "byKind": kindCounts, "jobs": jobs]
        data["statuses"] = JobStatus.allCases.map { ["value": $0.rawValue, "selected": $0 == status] as [String: Any] }
        data["kind"] = kind ?? ""
        data["admin"] = admin
        data["query"] = request.uri.query.map { "?" + $0 } ?? ""
        if let next = page.nextCursor {
            var link = "/ui/queue?cursor=\(next)"
            if let status { link += "&status=\(status.rawValue)" }
            if let kind, let escaped = kind.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics) { link += "&kind=\(escaped)" }
            data["next"] = link
        }
        if fragment {
            data["csrf"] = context.sessions.session?.csrfToken ?? ""
            return html(pages.render("queue-jobs", Self.compact(data)))
        }
        return render("queue", data, context, nav: "queue")
    }

    static func row(_ job: JobRecord) -> [String: Any] {
        [
            "id": job.id, "kind": job.kind, "status": job.status.rawValue,
            "image": job.imageID?.uuidString.lowercased() ?? "", "imageShort": job.imageID.map(short) ?? "",
            "attempts": job.attempts, "maxAttempts": job.maxAttempts, "claimedBy": job.claimedBy ?? "",
            "lastError": job.errorLog.last?.error ?? "",
            "cancellable": job.status == .queued, "retryable": job.status == .failed || job.status == .cancelled,
        ]
    }

    func jobAction(_ request: Request, _ context: Context) async throws -> Response {
        _ = try await form(request, context)
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw APIError.notFound("no such job") }
        switch context.parameters.get("action") {
        case "cancel": _ = try await services.queue.cancel(id, call(context))
        case "retry": _ = try await services.queue.retry(id, call(context))
        default: throw APIError.notFound("no such action")
        }
        return .redirect(to: "/ui/queue", type: .normal)
    }
}
