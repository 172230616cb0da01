import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Writes and reads the append-only audit log. Other services call `record` for the actions
/// that touch people's data or who may act; `list` is the admin's view.
public struct AuditService: Sendable {
    let repository: AuditRepository
    let policy: AccessPolicy

    public init(client: DatabaseClient, policy: AccessPolicy, logger: Logger) {
        self.repository = AuditRepository(client: client, logger: logger)
        self.policy = policy
    }

    /// - Parameter data: a JSON-serialisable dictionary (ids, hashes, counts; never a secret).
    public func record(_ action: AuditAction, _ context: CallContext, target: String? = nil, data: [String: Any] = [:],
                       on connection: PostgresConnection? = nil) async throws {
        let entry = AuditRepository.NewEntry(
            actor: context.caller.id, role: context.caller.role.rawValue, address: context.caller.address, action: action,
            target: target, requestID: context.requestID, data: Self.json(data))
        if let connection {
            try await repository.append(entry, on: connection)
        } else {
            try await repository.append(entry)
        }
    }

    public struct Page: Sendable {
        public var entries: [AuditEntry]
        public var nextCursor: String?
    }

    public func list(_ filter: AuditFilter, cursor: String?, limit: Int, _ context: CallContext) async throws -> Page {
        try policy.require(.readAudit, context.caller)
        try Paging.check(limit: limit, max: 200)
        let rows = try await repository.list(filter, beforeID: try Paging.id(cursor), limit: limit + 1)
        let page = Paging.page(rows, limit: limit) { String($0.id) }
        return Page(entries: page.items, nextCursor: page.next)
    }

    static func json(_ data: [String: Any]) -> String {
        guard !data.isEmpty, let encoded = try? JSONSerialization.data(withJSONObject: data, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: encoded, as: UTF8.self)
    }
}
