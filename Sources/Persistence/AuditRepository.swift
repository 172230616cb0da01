import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// All SQL for `audit_log`: insert and read, nothing else (the table refuses UPDATE, DELETE and
/// TRUNCATE by trigger).
public struct AuditRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public struct NewEntry: Sendable {
        public var actor: String
        public var role: String
        public var address: String?
        public var action: AuditAction
        public var target: String?
        public var requestID: String?
        /// JSON object text.
        public var data: String

        public init(actor: String, role: String, address: String?, action: AuditAction, target: String?, requestID: String?,
                    data: String = "{}") {
            self.actor = actor
            self.role = role
            self.address = address
            self.action = action
            self.target = target
            self.requestID = requestID
            self.data = data
        }
    }

    public func append(_ entry: NewEntry) async throws {
        try await client.withConnection { try await append(entry, on: $0) }
    }

    /// In the caller's transaction, so the entry exists exactly when the action happened.
    public func append(_ entry: NewEntry, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO audit_log (actor, role, address, action, target, request_id, data)
            VALUES (\(entry.actor), \(entry.role), \(entry.address), \(entry.action.rawValue), \(entry.target), \(entry.requestID),
                    \(entry.data)::jsonb)
            """, logger: logger)
    }

    public typealias Filter = AuditFilter

    /// Newest first; `beforeID` is the cursor.
    public func list(_ filter: Filter, beforeID: Int64?, limit: Int) async throws -> [AuditEntry] {
        let rows = try await client.query(
            """
            SELECT id, at, actor, role, address, action, target, request_id, data::text FROM audit_log
            WHERE (\(filter.action)::text IS NULL OR action = \(filter.action))
              AND (\(filter.actor)::text IS NULL OR actor = \(filter.actor))
              AND (\(filter.target)::text IS NULL OR target = \(filter.target))
              AND (\(beforeID)::int8 IS NULL OR id < \(beforeID))
            ORDER BY id DESC LIMIT \(limit)
            """, logger: logger)
        var entries: [AuditEntry] = []
        for try await row in rows.decode((Int64, Date, String, String, String?, String, String?, String?, String).self) {
            entries.append(AuditEntry(id: row.0, at: row.1, actor: row.2, role: row.3, address: row.4, action: row.5, target: row.6,
                                      requestID: row.7, data: row.8))
        }
        return entries
    }
}
