import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Face identities as callers see and correct them. Looking one up is a search by identity
/// ("every report where this person appears"): it needs `searchFaces`, is audited as a face
/// search, and shows callers below admin only faces and reports of approved reports (as face
/// search does). Corrections are admin-only, audited, and pinned so no later pass undoes them.
public struct IdentityService: Sendable {
    let client: DatabaseClient
    let identities: IdentityRepository
    let audit: AuditService
    let policy: AccessPolicy
    let logger: Logger

    public init(client: DatabaseClient, audit: AuditService, policy: AccessPolicy, logger: Logger) {
        self.client = client
        self.identities = IdentityRepository(client: client, logger: logger)
        self.audit = audit
        self.policy = policy
        self.logger = logger
    }

    public func get(_ id: UUID, _ context: CallContext) async throws -> IdentityRecord {
        try policy.require(.searchFaces, context.caller)
        var record = try await find(id)
        if !policy.allows(context.caller, .setReports) {
            record.faces = record.faces.filter(\.approved)
            record.reports = record.reports.filter { $0.status == "approved" }
            record.separatedFrom = []
            // Nothing the caller may see: the same answer as an identity that does not exist.
            guard !record.faces.isEmpty else { throw Self.notFound(id) }
        }
        try await audit.record(.faceSearch, context, target: "identity:\(id.uuidString.lowercased())", data: [
            "identity": id.uuidString.lowercased(),
            "returned_image_ids": Array(Set(record.faces.map { $0.imageID.uuidString.lowercased() })).sorted(),
            "returned_reports": record.reports.map(\.id),
        ])
        return record
    }

    /// The faces become a new identity, separated from `id` for good.
    public func split(_ id: UUID, faces: [UUID], _ context: CallContext) async throws -> IdentityRecord {
        try policy.require(.correctIdentities, context.caller)
        guard (1...500).contains(faces.count) else { throw APIError.badRequest("send 1 to 500 faceIds", code: "invalid_faces") }
        _ = try await find(id)
        let new = try await client.withTransaction(logger: logger) { connection -> UUID in
            guard let new = try await identities.split(faces, from: id, by: context.caller.id, on: connection) else {
                throw APIError.badRequest("every face must belong to identity \(id.uuidString.lowercased())", code: "face_not_in_identity")
            }
            try await audit.record(.identityCorrected, context, target: "identity:\(id.uuidString.lowercased())", data: [
                "split": faces.map { $0.uuidString.lowercased() }.sorted(), "into": new.uuidString.lowercased(),
            ], on: connection)
            return new
        }
        return try await find(new)
    }

    /// `other`'s faces move into `id`; both sets are pinned there.
    public func merge(_ id: UUID, with other: UUID, _ context: CallContext) async throws -> IdentityRecord {
        try policy.require(.correctIdentities, context.caller)
        guard other != id else { throw APIError.badRequest("an identity cannot be merged with itself", code: "same_identity") }
        _ = try await find(id)
        _ = try await find(other)
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(IdentityRepository.lockKey))", logger: logger)
            try await identities.merge(other, into: id, automatic: false, by: context.caller.id, on: connection)
            try await audit.record(.identityCorrected, context, target: "identity:\(id.uuidString.lowercased())", data: [
                "merged": other.uuidString.lowercased(),
            ], on: connection)
        }
        return try await find(id)
    }

    private func find(_ id: UUID) async throws -> IdentityRecord {
        guard let record = try await identities.find(id) else { throw Self.notFound(id) }
        return record
    }

    static func notFound(_ id: UUID) -> APIError {
        APIError.notFound("identity \(id.uuidString.lowercased()) not found")
    }
}
