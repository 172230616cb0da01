import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Reports as the platform sets them. The approval state decides whose faces are searchable,
/// so only admins change it (audited); the accused person's name is masked for callers below gold.
public struct ReportService: Sendable {
    let client: DatabaseClient
    let reports: ReportRepository
    let audit: AuditService
    let policy: AccessPolicy
    let logger: Logger

    public init(client: DatabaseClient, audit: AuditService, policy: AccessPolicy, logger: Logger) {
        self.client = client
        self.reports = ReportRepository(client: client, logger: logger)
        self.audit = audit
        self.policy = policy
        self.logger = logger
    }

    public static let statuses: Set<String> = ["pending", "approved", "rejected"]

    public func get(_ id: String, _ context: CallContext) async throws -> ReportRecord {
        try policy.require(.readReports, context.caller)
        guard var report = try await reports.find(id) else { throw APIError.notFound("report \(id) not found") }
        report.imageIDs = try await reports.images(of: id, limit: 100).map(\.image)
        report.identityIDs = try await IdentityRepository(client: client, logger: logger).identities(inReport: id)
        return masked(report, for: context.caller)
    }

    public func list(limit: Int = 100, _ context: CallContext) async throws -> [ReportRecord] {
        try policy.require(.readReports, context.caller)
        return try await reports.list(limit: limit).map { masked($0, for: context.caller) }
    }

    /// - Parameter perpetratorName: "" clears the name; nil leaves it as it is.
    public func set(_ id: String, status: String?, perpetratorName: String?, _ context: CallContext) async throws -> ReportRecord {
        try policy.require(.setReports, context.caller)
        try Self.checkID(id)
        if let status, !Self.statuses.contains(status) {
            throw APIError.badRequest("status must be pending, approved or rejected", code: "invalid_status")
        }
        if let name = perpetratorName, !name.isEmpty {
            guard (1...200).contains(name.count), name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw APIError.badRequest("perpetratorName must be 1–200 printable characters", code: "invalid_name")
            }
        }
        return try await client.withTransaction(logger: logger) { connection in
            let name: String?? = perpetratorName.map { name -> String? in name.isEmpty ? nil : name }
            let (report, previous) = try await reports.upsert(id, status: status, perpetratorName: name, on: connection)
            if report.status != previous {
                try await audit.record(.reportStatusChanged, context, target: "report:\(id)",
                                       data: ["from": previous ?? "none", "to": report.status], on: connection)
            }
            return report
        }
    }

    /// Another report connected to this one, with everything that connects them.
    public struct Link: Sendable {
        public var report: String
        public var status: String
        /// The strongest kind of evidence, and its strength.
        public var kind: ReportLinkKind
        public var strength: Double
        public var evidence: [ReportLinkRepository.Evidence]
    }

    /// Every other report connected to `id` by the same file, a near-duplicate (pairs judged
    /// different do not count) or the same face; strongest first. Callers below admin see
    /// connections to approved reports only (as in face search).
    public func links(_ id: String, cursor: String?, limit: Int, _ context: CallContext) async throws -> (items: [Link], nextCursor: String?) {
        try policy.require(.readReports, context.caller)
        try Paging.check(limit: limit, max: 100)
        let offset = try cursor.map { text -> Int in
            guard let value = Int(text), value >= 0 else { throw APIError.badRequest("invalid cursor", code: "invalid_cursor") }
            return value
        } ?? 0
        guard try await reports.find(id) != nil else { throw APIError.notFound("report \(id) not found") }
        let evidence = try await ReportLinkRepository(client: client, logger: logger)
            .evidence(for: id, approvedOnly: !policy.allows(context.caller, .setReports))
        let links = Dictionary(grouping: evidence, by: \.other).map { other, items -> Link in
            let best = items.min { ($0.kind, -$0.strength) < ($1.kind, -$1.strength) }!
            return Link(report: other, status: best.otherStatus, kind: best.kind, strength: best.strength, evidence: items)
        }.sorted { ($0.kind, -$0.strength, $0.report) < ($1.kind, -$1.strength, $1.report) }
        let page = Array(links.dropFirst(offset).prefix(limit))
        return (page, offset + limit < links.count ? String(offset + limit) : nil)
    }

    func masked(_ report: ReportRecord, for caller: Caller) -> ReportRecord {
        guard !policy.allows(caller, .seeUnmasked) else { return report }
        var copy = report
        copy.perpetratorName = report.perpetratorName.map(NameMask.mask)
        return copy
    }

    public static func checkID(_ id: String) throws {
        guard (1...200).contains(id.utf8.count), id.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw APIError.badRequest("reportId must be 1–200 printable characters", code: "invalid_report_id")
        }
    }
}
