import FacepipeCore
import Foundation
import Services

extension FacepipeAPI {
    func getIdentity(_ input: Operations.GetIdentity.Input) async throws -> Operations.GetIdentity.Output {
        .ok(.init(body: .json(Self.schema(try await services.identities.get(try Self.identityID(input.path.id), call)))))
    }

    func splitIdentity(_ input: Operations.SplitIdentity.Input) async throws -> Operations.SplitIdentity.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected a JSON body") }
        let faces = try body.faceIds.map { try Self.uuid($0, what: "face id") }
        return .ok(.init(body: .json(Self.schema(try await services.identities.split(try Self.identityID(input.path.id), faces: faces, call)))))
    }

    func mergeIdentity(_ input: Operations.MergeIdentity.Input) async throws -> Operations.MergeIdentity.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected a JSON body") }
        let other = try Self.uuid(body.identityId, what: "identityId")
        return .ok(.init(body: .json(Self.schema(try await services.identities.merge(try Self.identityID(input.path.id), with: other, call)))))
    }

    static func identityID(_ text: String) throws -> UUID { try uuid(text, what: "identity id") }

    static func uuid(_ text: String, what: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw APIError.badRequest("\(what) must be a UUID", code: "invalid_id") }
        return id
    }

    static func schema(_ record: IdentityRecord) -> Components.Schemas.Identity {
        func id(_ uuid: UUID) -> String { uuid.uuidString.lowercased() }
        return .init(
            id: id(record.id), createdAt: record.createdAt, updatedAt: record.updatedAt,
            faces: record.faces.map { .init(faceId: id($0.id), imageId: id($0.imageID), index: $0.index, pinned: $0.pinned) },
            reports: record.reports.map { .init(reportId: $0.id, status: .init(rawValue: $0.status) ?? .pending) },
            separatedFrom: record.separatedFrom.isEmpty ? nil : record.separatedFrom.map(id))
    }
}
