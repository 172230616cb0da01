import FacepipeCore
import Foundation
import OpenAPIRuntime
import Services

extension FacepipeAPI {
    func listKeys(_ input: Operations.ListKeys.Input) async throws -> Operations.ListKeys.Output {
        .ok(.init(body: .json(.init(items: try await services.keys.list(call).map(Self.schema)))))
    }

    func createKey(_ input: Operations.CreateKey.Input) async throws -> Operations.CreateKey.Output {
        guard case .json(let body) = input.body, let role = Role(rawValue: body.role.rawValue) else {
            throw APIError.badRequest("expected a JSON body with role and name")
        }
        let (record, secret) = try await services.keys.create(role: role, name: body.name, call)
        return .created(.init(body: .json(.init(value1: Self.schema(record), value2: .init(key: secret)))))
    }

    func revokeKey(_ input: Operations.RevokeKey.Input) async throws -> Operations.RevokeKey.Output {
        guard let id = UUID(uuidString: input.path.id) else { throw APIError.badRequest("key id must be a UUID", code: "invalid_id") }
        return .ok(.init(body: .json(Self.schema(try await services.keys.revoke(id, call)))))
    }

    func listAudit(_ input: Operations.ListAudit.Input) async throws -> Operations.ListAudit.Output {
        let query = input.query
        let page = try await services.audit.list(
            AuditFilter(action: query.action, actor: query.actor, target: query.target), cursor: query.cursor,
            limit: query.limit ?? 50, call)
        return .ok(.init(body: .json(.init(
            items: page.entries.map { entry in
                .init(id: entry.id, at: entry.at, actor: entry.actor, role: entry.role, address: entry.address, action: entry.action,
                      target: entry.target, requestId: entry.requestID,
                      data: .init(additionalProperties: (try? JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(entry.data.utf8))) ?? .init()))
            },
            nextCursor: page.nextCursor))))
    }

    static func schema(_ key: APIKeyRecord) -> Components.Schemas.ApiKey {
        .init(id: key.id.uuidString.lowercased(), role: .init(rawValue: key.role.rawValue) ?? .standard, name: key.name,
              prefix: APIKeyFormat.prefix + key.lookup, createdBy: key.createdBy, createdAt: key.createdAt, lastUsedAt: key.lastUsedAt,
              revokedAt: key.revokedAt)
    }
}
