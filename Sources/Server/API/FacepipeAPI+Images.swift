import FacepipeCore
import Foundation
import OpenAPIRuntime
import Persistence
import Queue

extension FacepipeAPI {
    func listImages(_ input: Operations.ListImages.Input) async throws -> Operations.ListImages.Output {
        let query = input.query
        let limit = query.limit ?? 50
        guard (1...100).contains(limit) else { throw APIError.badRequest("limit must be between 1 and 100", code: "invalid_limit") }
        if let from = query.from, let to = query.to, from > to {
            throw APIError.badRequest("from must not be after to", code: "invalid_range")
        }
        let filter = ImageFilter(
            status: query.status.flatMap { ImageStatus(rawValue: $0.rawValue) }, hasFaces: query.hasFaces,
            from: query.from, to: query.to, reportID: query.reportId)
        let cursor = try query.cursor.map(ImageCursor.init(encoded:))
        // One extra row tells whether another page exists.
        let rows = try await images.list(filter, after: cursor, limit: limit + 1)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { ImageCursor(createdAt: $0.createdAt, id: $0.id).encoded } : nil
        return .ok(.init(body: .json(.init(items: page.map(summary), nextCursor: next))))
    }

    func getImage(_ input: Operations.GetImage.Input) async throws -> Operations.GetImage.Output {
        let id = try Self.imageID(input.path.id)
        guard let image = try await images.find(id) else { throw APIError.notFound("image \(input.path.id) not found") }
        let events = try await images.events(for: id).map { event in
            Components.Schemas.Event(
                id: event.id, at: event.at, _type: event.type, jobId: event.jobID,
                data: .init(additionalProperties: (try? JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(event.data.utf8))) ?? .init()))
        }
        let metadata = try? JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(image.safeMetadata.utf8))
        let detail = Components.Schemas.ImageDetail(
            value1: summary(image),
            value2: .init(
                originalUrl: dependencies.links.url(forKey: image.originalKey),
                metadata: metadata.map { .init(additionalProperties: $0) }, events: events))
        return .ok(.init(body: .json(detail)))
    }

    func processImage(_ input: Operations.ProcessImage.Input) async throws -> Operations.ProcessImage.Output {
        let id = try Self.imageID(input.path.id)
        guard try await images.find(id) != nil else { throw APIError.notFound("image \(input.path.id) not found") }
        let job = NewJob(kind: .processImage, imageID: id, dedupeKey: "process_image:\(id.uuidString.lowercased())",
                         correlationID: requestID)
        let result = try await dependencies.client.withTransaction(logger: logger) { connection in
            let result = try await queue.enqueue(job, on: connection)
            if case .enqueued = result { try await images.markQueued(id, on: connection) }
            return result
        }
        let duplicate: Bool
        if case .duplicate = result { duplicate = true } else { duplicate = false }
        return .accepted(.init(body: .json(.init(imageId: id.uuidString.lowercased(), jobId: result.jobID, duplicate: duplicate))))
    }

    func summary(_ image: ImageRecord) -> Components.Schemas.ImageSummary {
        let links = dependencies.links
        return Components.Schemas.ImageSummary(
            id: image.id.uuidString.lowercased(), reportId: image.reportID,
            status: .init(rawValue: image.status.rawValue) ?? .failed, mime: image.mime, bytes: image.bytes,
            width: image.width, height: image.height, sha256: image.sha256, hasFaces: image.hasFaces,
            faceCount: image.faceCount, blurFaces: image.blurFaces, createdAt: image.createdAt,
            processedAt: image.processedAt,
            thumbnails: .init(
                thumb: image.thumbnails["thumb"].map { links.url(forKey: $0) },
                medium: image.thumbnails["medium"].map { links.url(forKey: $0) },
                large: image.thumbnails["large"].map { links.url(forKey: $0) }),
            error: image.error)
    }

    static func imageID(_ raw: String) throws -> UUID {
        guard let id = UUID(uuidString: raw) else { throw APIError.badRequest("image id must be a UUID", code: "invalid_id") }
        return id
    }
}
