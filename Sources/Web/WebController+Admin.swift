import FacepipeCore
import Foundation
import Hummingbird
import Services

/// Admin: reports (approve, reject, display name), API keys (create, shown once; revoke), the
/// audit log with filters.
extension WebController {
    func adminPage(_ request: Request, _ context: Context, newKey: [String: Any]? = nil, status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        let query = request.uri.queryParameters
        let action = query.get("action").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let actor = query.get("actor").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let keys = try await services.keys.list(call(context))
        let reports = try await services.reports.list(call(context))
        let audit = try await services.audit.list(.init(action: action, actor: actor), cursor: query.get("cursor").map { String($0) },
                                                  limit: 50, call(context))
        var data: [String: Any] = [
            "reports": reports.map { report -> [String: Any] in
                [
                    "id": report.id, "href": "/ui/reports/" + Self.pathSegment(report.id), "status": report.status,
                    "name": report.perpetratorName ?? "", "images": report.imageCount, "updated": Self.time(report.updatedAt),
                    "actions": ["approved", "rejected", "pending"].filter { $0 != report.status }.map {
                        ["value": $0, "label": $0 == "approved" ? "Approve" : $0 == "rejected" ? "Reject" : "Set pending"]
                    },
                ]
            },
            "keys": keys.map { key -> [String: Any] in
                [
                    "id": key.id.uuidString.lowercased(), "name": key.name, "role": key.role.rawValue,
                    "prefix": APIKeyFormat.prefix + key.lookup, "created": Self.time(key.createdAt),
                    "lastUsed": key.lastUsedAt.map(Self.time) ?? "never", "revoked": key.revokedAt.map(Self.time) ?? "",
                ]
            },
            "auditActions": AuditAction.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == action] },
            "actor": actor ?? "",
            "audit": audit.entries.map { entry -> [String: Any] in
                ["at": Self.time(entry.at), "actor": entry.actor, "role": entry.role, "address": entry.address ?? "",
                 "action": entry.action, "target": entry.target ?? "", "data": entry.data == "{}" ? "" : entry.data]
            },
        ]
        if let next = audit.nextCursor {
            data["auditNext"] = "/ui/admin?cursor=\(next)" + (action.map { "&action=\($0)" } ?? "")
        }
        if let newKey { data["newKey"] = newKey }
        return render("admin", data, context, nav: "admin", status: status)
    }

    /// Answers with the admin page itself, so the new key is on screen once and stored nowhere.
    func createKey(_ request: Request, _ context: Context) async throws -> Response {
        let fields = try await form(request, context)
        guard let role = fields["role"].flatMap(Role.init(rawValue:)) else { throw APIError.badRequest("choose a role", code: "invalid_role") }
        let (record, secret) = try await services.keys.create(role: role, name: fields["name"] ?? "", call(context))
        return try await adminPage(request, context, newKey: ["role": record.role.rawValue, "name": record.name, "secret": secret],
                                   status: .created)
    }

    func revokeKey(_ request: Request, _ context: Context) async throws -> Response {
        _ = try await form(request, context)
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw APIError.notFound("no such key") }
        _ = try await services.keys.revoke(id, call(context))
        return .redirect(to: "/ui/admin", type: .normal)
    }

    func setReport(_ request: Request, _ context: Context) async throws -> Response {
        let fields = try await form(request, context)
        guard let id = fields.text("id") else { throw APIError.badRequest("a report id is needed", code: "invalid_report_id") }
        let name = fields["perpetratorName"].flatMap { $0.isEmpty ? nil : $0 }
        _ = try await services.reports.set(id, status: fields.text("status"), perpetratorName: name, call(context))
        // The report page's form comes back to the report.
        if fields["back"] == "report" {
            return .redirect(to: "/ui/reports/" + Self.pathSegment(id), type: .normal)
        }
        return .redirect(to: "/ui/admin", type: .normal)
    }
}
