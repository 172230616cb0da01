import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Queue

/// Reports as the platform sets them. The approval state decides whose faces are searchable,
/// so only admins change it (audited); the accused person's name is masked for callers below gold.
public struct ReportService: Sendable {
    let client: DatabaseClient
    let reports: ReportRepository
    let queue: JobQueue
    let audit: AuditService
    let policy: AccessPolicy
    /// Told about report connections an approval makes (`report.linked` webhooks).
    let linkObserver: (any ReportLinkObserver)?
    let logger: Logger

    public init(client: DatabaseClient, queue: JobQueue, audit: AuditService, policy: AccessPolicy,
                linkObserver: (any ReportLinkObserver)? = nil, logger: Logger) {
        self.queue = queue
        self.linkObserver = linkObserver
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
        // Identity ids are search results (who else holds this person, in any report): admins
        // only here; others look people up through the audited, approved-only routes (issue 22).
        if policy.allows(context.caller, .correctIdentities) {
            report.identityIDs = try await IdentityRepository(client: client, logger: logger).identities(inReport: id)
        }
        // What waits for an admin's decision (`review`): admins see it, nobody else.
        if policy.allows(context.caller, .setReports) {
            report.pendingImageIDs = try await ReportLinkRepository(client: client, logger: logger).pending(inReport: id)
        }
        return masked(report, for: context.caller)
    }

    public func list(limit: Int = 100, _ context: CallContext) async throws -> [ReportRecord] {
        try policy.require(.readReports, context.caller)
        return try await reports.list(limit: limit).map { masked($0, for: context.caller) }
    }

    public enum EvidenceDecision: String, Sendable {
        case approve, reject
    }

    /// An admin's decision on an image waiting to join a report (added by someone who neither
    /// administers facepipe nor created the report). Approved, it joins as if added now: the
    /// same-file connections are made at once, and the image is processed again so its
    /// near-duplicate and face links are found with the report in view. Audited.
    public func review(_ id: String, image: UUID, _ decision: EvidenceDecision, _ context: CallContext) async throws -> ReportRecord {
        try policy.require(.setReports, context.caller)
        let links = ReportLinkRepository(client: client, logger: logger)
        try await client.withTransaction(logger: logger) { connection in
            let timeline = TimelineRepository(client: client, logger: logger)
            let done: Bool
            switch decision {
            case .approve:
                let approved = try await links.approvePending(image, in: id, on: connection)
                if let approved, approved.added {
                    try await timeline.append(.addedToReport(report: id, blurFaces: approved.blurFaces, requestID: approved.requestID),
                                              imageID: image, on: connection)
                }
                done = approved != nil
            case .reject:
                done = try await links.rejectPending(image, in: id, on: connection)
            }
            guard done else {
                throw APIError.notFound("image \(image.uuidString.lowercased()) is not waiting to join report \(id)")
            }
            try await audit.record(.reportEvidenceReviewed, context, target: "report:\(id)",
                                   data: ["image": image.uuidString.lowercased(), "decision": decision.rawValue], on: connection)
            guard decision == .approve else { return }
            let fresh = try await links.recordSameImage(image, on: connection)
            try await timeline.announce(
                fresh, observer: linkObserver, correlationID: context.requestID, on: connection)
            let job = ImageJob.process(image: image).newJob(correlationID: context.requestID, requestedBy: context.caller.id)
            if case .enqueued = try await queue.enqueue(job, on: connection) {
                try await ImageRepository(client: client, logger: logger).markQueued(image, on: connection)
            }
        }
        return try await get(id, context)
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
        let admin = policy.allows(context.caller, .setReports)
        // Links are search results too ("where else did this face or photo appear?"): below
        // admin only from an approved report, or anyone could make a report of their own, put a
        // face in it and read every approved report holding that person, unaudited (issue 22).
        guard let report = try await reports.find(id), admin || report.status == "approved" else {
            throw APIError.notFound("report \(id) not found")
        }
        let evidence = try await ReportLinkRepository(client: client, logger: logger).evidence(for: id, approvedOnly: !admin)
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
