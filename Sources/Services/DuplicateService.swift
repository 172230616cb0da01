import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Near-duplicate pairs: read by analysts, judged by admins (audited).
public struct DuplicateService: Sendable {
    let duplicates: DuplicateRepository
    let images: ImageRepository
    let audit: AuditService
    let policy: AccessPolicy

    public init(client: DatabaseClient, audit: AuditService, policy: AccessPolicy, logger: Logger) {
        self.duplicates = DuplicateRepository(client: client, logger: logger)
        self.images = ImageRepository(client: client, logger: logger)
        self.audit = audit
        self.policy = policy
    }

    public func forImage(_ id: UUID, _ context: CallContext) async throws -> [DuplicatePair] {
        try policy.require(.readDuplicates, context.caller)
        guard try await images.find(id) != nil else { throw APIError.notFound("image \(id.uuidString.lowercased()) not found") }
        return try await duplicates.forImage(id)
    }

    public func list(status: DuplicateStatus?, cursor: String?, limit: Int, _ context: CallContext) async throws
        -> (items: [DuplicatePair], nextCursor: String?)
    {
        try policy.require(.readDuplicates, context.caller)
        try Paging.check(limit: limit, max: 100)
        let rows = try await duplicates.list(status: status, beforeID: try Paging.id(cursor), limit: limit + 1)
        let page = Paging.page(rows, limit: limit) { String($0.id) }
        return (page.items, page.next)
    }

    /// The most confident pairs first (the review page), at most `limit`.
    public func mostConfident(status: DuplicateStatus?, limit: Int, _ context: CallContext) async throws -> [DuplicatePair] {
        try policy.require(.readDuplicates, context.caller)
        return try await duplicates.list(status: status, beforeID: nil, limit: limit, order: .confidence)
    }

    /// The reviewer recorded is the caller; a name the client sends is kept beside it in the audit entry.
    public func review(_ id: Int64, status: DuplicateStatus, reviewerName: String?, _ context: CallContext) async throws -> DuplicatePair {
        try policy.require(.reviewDuplicates, context.caller)
        guard status != .pending else { throw APIError.badRequest("status must be confirmed or different", code: "invalid_status") }
        guard let pair = try await duplicates.review(id, status: status, reviewer: reviewerName ?? context.caller.id) else {
            throw APIError.notFound("duplicate pair \(id) not found")
        }
        var data: [String: Any] = ["status": status.rawValue]
        if let reviewerName { data["reviewer_name"] = reviewerName }
        try await audit.record(.duplicateReviewed, context, target: "duplicate:\(id)", data: data)
        return pair
    }
}
