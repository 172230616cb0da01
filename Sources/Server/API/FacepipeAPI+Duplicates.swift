import FacepipeCore
import Foundation

extension FacepipeAPI {
    func getImageDuplicates(_ input: Operations.GetImageDuplicates.Input) async throws -> Operations.GetImageDuplicates.Output {
        let pairs = try await services.duplicates.forImage(try Self.imageID(input.path.id), call)
        return .ok(.init(body: .json(.init(items: pairs.map(Self.schema)))))
    }

    func listDuplicates(_ input: Operations.ListDuplicates.Input) async throws -> Operations.ListDuplicates.Output {
        let status = input.query.status.flatMap { DuplicateStatus(rawValue: $0.rawValue) }
        let page = try await services.duplicates.list(status: status, cursor: input.query.cursor, limit: input.query.limit ?? 50, call)
        return .ok(.init(body: .json(.init(items: page.items.map(Self.schema), nextCursor: page.nextCursor))))
    }

    func reviewDuplicate(_ input: Operations.ReviewDuplicate.Input) async throws -> Operations.ReviewDuplicate.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected a JSON body") }
        let status: DuplicateStatus = body.status == .confirmed ? .confirmed : .different
        let pair = try await services.duplicates.review(input.path.id, status: status, reviewerName: body.reviewedBy, call)
        return .ok(.init(body: .json(Self.schema(pair))))
    }

    static func schema(_ pair: DuplicatePair) -> Components.Schemas.Duplicate {
        .init(id: pair.id, image1Id: pair.image1.uuidString.lowercased(), image2Id: pair.image2.uuidString.lowercased(),
              hashType: .pdq, mirrored: pair.mirrored, matchedBy: .init(rawValue: pair.matchedBy.rawValue) ?? .own,
              distance: pair.distances.pdq, distances: schema(pair.distances),
              similarity: (pair.similarity * 10_000).rounded() / 10_000, confidence: (pair.confidence * 10_000).rounded() / 10_000,
              status: .init(rawValue: pair.status.rawValue) ?? .pending, reviewedBy: pair.reviewedBy, reviewedAt: pair.reviewedAt,
              createdAt: pair.createdAt)
    }

    static func schema(_ distances: HashDistances) -> Components.Schemas.HashDistances {
        .init(ahash: distances.ahash, dhash: distances.dhash, phash: distances.phash, pdq: distances.pdq)
    }
}
