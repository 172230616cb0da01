import FacepipeCore
import Foundation
import OpenAPIRuntime
import Services

extension FacepipeAPI {
    func listImages(_ input: Operations.ListImages.Input) async throws -> Operations.ListImages.Output {
        let query = input.query
        let filter = ImageFilter(
            status: query.status.flatMap { ImageStatus(rawValue: $0.rawValue) }, hasFaces: query.hasFaces,
            from: query.from, to: query.to, reportID: query.reportId,
            anonymizeStatus: query.anonymizeStatus.flatMap { ImageStatus(rawValue: $0.rawValue) })
        let page = try await services.images.list(filter, cursor: query.cursor, limit: query.limit ?? 50, call)
        return .ok(.init(body: .json(.init(
            items: page.items.map { summary($0, variants: page.variants[$0.id] ?? [], document: page.documents[$0.id]) },
            nextCursor: page.nextCursor))))
    }

    func getGallery(_ input: Operations.GetGallery.Input) async throws -> Operations.GetGallery.Output {
        let page = try await services.images.gallery(cursor: input.query.cursor, limit: input.query.limit ?? 50, call)
        return .ok(.init(body: .json(.init(
            items: page.items.map {
                .init(id: $0.id.uuidString.lowercased(), width: $0.width, height: $0.height, createdAt: $0.createdAt,
                      processed: (page.variants[$0.id] ?? []).map(Self.schema))
            },
            nextCursor: page.nextCursor))))
    }

    func getImage(_ input: Operations.GetImage.Input) async throws -> Operations.GetImage.Output {
        let view = try await services.images.get(try Self.imageID(input.path.id), call)
        let events = view.events?.map { event in
            Components.Schemas.Event(
                id: event.id, at: event.at, _type: event.type.rawValue, jobId: event.jobID,
                data: .init(additionalProperties: (try? JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(event.data.utf8))) ?? .init()))
        }
        let metadata = try? JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(view.image.safeMetadata.utf8))
        let detail = Components.Schemas.ImageDetail(
            value1: summary(view.image, variants: view.variants, document: view.document),
            value2: .init(
                originalUrl: view.originalURL,
                faces: view.faces.map {
                    .init(id: $0.id.uuidString.lowercased(), index: $0.index, x: Double($0.box.x), y: Double($0.box.y),
                          width: Double($0.box.width), height: Double($0.box.height), identityId: $0.identityID?.uuidString.lowercased(),
                          estimatedAge: $0.attributes.map { ($0.age * 10).rounded() / 10 },
                          estimatedGender: $0.attributes.flatMap { .init(rawValue: $0.gender.rawValue) },
                          genderConfidence: $0.attributes.map { ($0.genderConfidence * 1000).rounded() / 1000 })
                },
                metadata: metadata.map { .init(additionalProperties: $0) }, events: events))
        return .ok(.init(body: .json(detail)))
    }

    func processImage(_ input: Operations.ProcessImage.Input) async throws -> Operations.ProcessImage.Output {
        let id = try Self.imageID(input.path.id)
        var body: Components.Schemas.ProcessRequest?
        if case .json(let json) = input.body { body = json }
        let outcome = try await services.images.process(id, Self.processRequest(body), call)
        return .accepted(.init(body: .json(Self.schema(outcome, imageID: id))))
    }

    /// No body or no `pipeline`: an anonymized copy with the defaults.
    static func processRequest(_ body: Components.Schemas.ProcessRequest?) -> ImageService.ProcessRequest {
        if body?.pipeline == .process { return .process }
        return .anonymize(.init(
            replacewith: body?.replacewith?.rawValue, boxes: body?.boxes, maskScale: body?.maskScale,
            threshold: body?.threshold, scale: body?.scale, mosaicSize: body?.mosaicSize))
    }

    static func schema(_ outcome: ImageService.ProcessOutcome, imageID: UUID) -> Components.Schemas.ProcessResult {
        .init(imageId: imageID.uuidString.lowercased(), pipeline: .init(rawValue: outcome.pipeline) ?? .anonymize, jobId: outcome.jobID,
              duplicate: outcome.duplicate, variantId: outcome.variantID?.uuidString.lowercased(),
              status: .init(rawValue: outcome.status.rawValue) ?? .queued)
    }

    static func schema(_ view: ImageService.VariantView) -> Components.Schemas.ProcessedVariant {
        let variant = view.variant, options = variant.settings.overrides
        return .init(
            id: variant.id.uuidString.lowercased(), pipeline: .anonymize,
            options: .init(replacewith: .init(rawValue: variant.settings.replacewith.rawValue) ?? .blur, boxes: variant.settings.boxes,
                           maskScale: variant.settings.maskScale, threshold: variant.settings.threshold, scale: options.scale,
                           mosaicSize: options.mosaicSize),
            status: .init(rawValue: variant.status.rawValue) ?? .failed, url: view.url,
            verification: variant.verification.map {
                .init(facesMasked: $0.facesMasked, detectionsOnOutput: $0.detectionsOnOutput, facesLeft: $0.facesLeft,
                      verified: $0.verified)
            },
            error: variant.error, createdAt: variant.createdAt, finishedAt: variant.finishedAt)
    }

    func eraseImage(_ input: Operations.EraseImage.Input) async throws -> Operations.EraseImage.Output {
        let outcome = try await services.erasure.eraseImage(try Self.imageID(input.path.id), call)
        return .accepted(.init(body: .json(Self.schema(outcome))))
    }

    static func schema(_ outcome: ErasureService.Outcome) -> Components.Schemas.Erasure {
        .init(imageId: outcome.imageID.uuidString.lowercased(), jobId: outcome.jobID, completed: outcome.completed)
    }

    func summary(_ image: ImageRecord, variants: [ImageService.VariantView] = [], document: (documentID: UUID, page: Int)? = nil)
        -> Components.Schemas.ImageSummary
    {
        Components.Schemas.ImageSummary(
            id: image.id.uuidString.lowercased(), reportId: image.reportID, reports: image.reports,
            status: .init(rawValue: image.status.rawValue) ?? .failed, mime: image.mime, bytes: image.bytes,
            width: image.width, height: image.height, sha256: image.sha256, hasFaces: image.hasFaces,
            faceCount: image.faceCount, blurFaces: image.blurFaces, _public: image.isPublic, createdAt: image.createdAt,
            processedAt: image.processedAt, thumbnails: thumbnails(image),
            anonymization: Components.Schemas.ImageSummary.AnonymizationPayload(rawValue: Self.anonymization(of: variants)),
            processed: variants.isEmpty ? nil : variants.map(Self.schema),
            document: document.map { .init(id: $0.documentID.uuidString.lowercased(), page: $0.page) }, error: image.error)
    }

    /// The caller's links (which files by role: `DerivativeLinks`).
    func thumbnails(_ image: ImageRecord) -> Components.Schemas.Thumbnails {
        let urls = services.derivatives.thumbnails(of: image, for: call.caller)
        return .init(thumb: urls["thumb"], medium: urls["medium"], large: urls["large"], blurred: urls["blurred"],
                     view: services.derivatives.view(of: image, for: call.caller))
    }

    static func imageID(_ raw: String) throws -> UUID { try uuid(raw, what: "image id") }
}
