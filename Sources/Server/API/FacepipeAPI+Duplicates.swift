import FacepipeCore
import Foundation
import Persistence

extension FacepipeAPI {
    var duplicates: DuplicateRepository { DuplicateRepository(client: dependencies.client, logger: logger) }

    func getImageDuplicates(_ input: Operations.GetImageDuplicates.Input) async throws -> Operations.GetImageDuplicates.Output {
        let id = try Self.imageID(input.path.id)
        guard try await images.find(id) != nil else { throw APIError.notFound("image \(input.path.id) not found") }
        let pairs = try await duplicates.forImage(id)
        return .ok(.init(body: .json(.init(items: pairs.map(Self.schema)))))
    }

    func listDuplicates(_ input: Operations.ListDuplicates.Input) async throws -> Operations.ListDuplicates.Output {
        let limit = input.query.limit ?? 50
        guard (1...100).contains(limit) else { throw APIError.badRequest("limit must be between 1 and 100", code: "invalid_limit") }
        var before: Int64?
        if let cursor = input.query.cursor {
            guard let id = Int64(cursor), id > 0 else { throw APIError.badRequest("invalid cursor", code: "invalid_cursor") }
            before = id
        }
        let status = input.query.status.flatMap { DuplicateStatus(rawValue: $0.rawValue) }
        let rows = try await duplicates.list(status: status, beforeID: before, limit: limit + 1)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { String($0.id) } : nil
        return .ok(.init(body: .json(.init(items: page.map(Self.schema), nextCursor: next))))
    }

    func reviewDuplicate(_ input: Operations.ReviewDuplicate.Input) async throws -> Operations.ReviewDuplicate.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected a JSON body") }
        let status: DuplicateStatus = body.status == .confirmed ? .confirmed : .different
        guard let pair = try await duplicates.review(input.path.id, status: status, reviewer: body.reviewedBy) else {
            throw APIError.notFound("duplicate pair \(input.path.id) not found")
        }
        return .ok(.init(body: .json(Self.schema(pair))))
    }

    static func schema(_ pair: DuplicatePair) -> Components.Schemas.Duplicate {
        .init(id: pair.id, image1Id: pair.image1.uuidString.lowercased(), image2Id: pair.image2.uuidString.lowercased(),
              hashType: .init(rawValue: pair.hashType) ?? .phash, distance: pair.distance,
              status: .init(rawValue: pair.status.rawValue) ?? .pending, reviewedBy: pair.reviewedBy, reviewedAt: pair.reviewedAt,
              createdAt: pair.createdAt)
    }
}
