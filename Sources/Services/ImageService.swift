import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Queue
import Storage

/// Reading images and asking for their reprocessing. Who sees what is decided here: standard
/// callers read metadata and thumbnails; the signed link to an original (which may carry GPS)
/// and the processing timeline are for admins; anonymous callers see the public gallery only.
public struct ImageService: Sendable {
    let client: PostgresClient
    let images: ImageRepository
    let queue: JobQueue
    let links: MediaLinks
    let audit: AuditService
    let policy: AccessPolicy
    let logger: Logger

    public init(client: PostgresClient, queue: JobQueue, links: MediaLinks, audit: AuditService, policy: AccessPolicy, logger: Logger) {
        self.client = client
        self.images = ImageRepository(client: client, logger: logger)
        self.queue = queue
        self.links = links
        self.audit = audit
        self.policy = policy
        self.logger = logger
    }

    public struct Page: Sendable {
        public var items: [ImageRecord]
        public var nextCursor: String?
    }

    public func list(_ filter: ImageFilter, cursor: String?, limit: Int, _ context: CallContext) async throws -> Page {
        try policy.require(.readImages, context.caller)
        return try await page(filter, cursor: cursor, limit: limit)
    }

    /// Images marked public, done, newest first: what anyone may see (their thumbnails are made
    /// from a copy with every face blurred).
    public func gallery(cursor: String?, limit: Int, _ context: CallContext) async throws -> Page {
        try policy.require(.readGallery, context.caller)
        return try await page(ImageFilter(publicOnly: true), cursor: cursor, limit: limit)
    }

    func page(_ filter: ImageFilter, cursor: String?, limit: Int) async throws -> Page {
        try Paging.check(limit: limit, max: 100)
        if let from = filter.from, let to = filter.to, from > to {
            throw APIError.badRequest("from must not be after to", code: "invalid_range")
        }
        let position = try cursor.map(ImageCursor.init(encoded:))
        // One extra row tells whether another page exists.
        let rows = try await images.list(filter, after: position, limit: limit + 1)
        let page = Paging.page(rows, limit: limit) { ImageCursor(createdAt: $0.createdAt, id: $0.id).encoded }
        return Page(items: page.items, nextCursor: page.next)
    }

    /// One image as `context`'s caller may see it.
    public struct View: Sendable {
        public var image: ImageRecord
        /// A short-lived signed URL; admins only (the act is audited).
        public var originalURL: String?
        /// The processing timeline; admins only.
        public var events: [ImageEvent]?
        /// Face boxes in upright original-image pixels.
        public var faces: [FaceRepository.StoredFace] = []
        /// Perceptual hashes by name (hex).
        public var hashes: [(name: String, value: String)] = []
        /// The anonymized copy, when one was made.
        public var processedURL: String?
    }

    public func get(_ id: UUID, _ context: CallContext) async throws -> View {
        try policy.require(.readImages, context.caller)
        guard let image = try await images.find(id) else { throw APIError.notFound("image \(id.uuidString.lowercased()) not found") }
        var view = View(image: image)
        view.faces = try await FaceRepository(client: client, logger: logger).faces(of: id)
        let derived = try await images.derived(of: id)
        view.hashes = derived.hashes
        view.processedURL = derived.processedKey.map { links.url(forKey: $0) }
        if policy.allows(context.caller, .viewOriginals) {
            view.originalURL = links.url(forKey: image.originalKey)
            try await audit.record(.originalViewed, context, target: "image:\(id.uuidString.lowercased())",
                                   data: ["expires_in_seconds": links.ttlSeconds])
        }
        if policy.allows(context.caller, .readTimeline) {
            view.events = try await images.events(for: id)
        }
        return view
    }

    /// Queues an anonymized copy with deface's choices (`mode` blur|solid|mosaic|none, `shape`
    /// ellipse|box, `maskScale`); the result replaces the image's processed copy.
    public func anonymize(_ id: UUID, mode: String, shape: String, maskScale: Double, _ context: CallContext) async throws -> Int64 {
        try policy.require(.reprocess, context.caller)
        guard ["blur", "solid", "mosaic", "none"].contains(mode), ["ellipse", "box"].contains(shape), (0.5...3).contains(maskScale) else {
            throw APIError.badRequest("mode blur|solid|mosaic|none, shape ellipse|box, maskScale 0.5–3", code: "invalid_options")
        }
        guard try await images.find(id) != nil else { throw APIError.notFound("image \(id.uuidString.lowercased()) not found") }
        let payload = #"{"mode":"\#(mode)","shape":"\#(shape)","maskScale":\#(maskScale)}"#
        let job = NewJob(kind: .anonymize, payload: payload, imageID: id, dedupeKey: "anonymize:\(id.uuidString.lowercased())",
                         correlationID: context.requestID, requestedBy: context.caller.id)
        return try await client.withTransaction(logger: logger) { try await queue.enqueue(job, on: $0).jobID }
    }

    /// Queues process_image again → (job id, whether one was queued already).
    public func reprocess(_ id: UUID, _ context: CallContext) async throws -> (jobID: Int64, duplicate: Bool) {
        try policy.require(.reprocess, context.caller)
        guard try await images.find(id) != nil else { throw APIError.notFound("image \(id.uuidString.lowercased()) not found") }
        let job = NewJob(kind: .processImage, imageID: id, dedupeKey: "process_image:\(id.uuidString.lowercased())",
                         correlationID: context.requestID, requestedBy: context.caller.id)
        let result = try await client.withTransaction(logger: logger) { connection in
            let result = try await queue.enqueue(job, on: connection)
            if case .enqueued = result {
                try await images.markQueued(id, on: connection)
                try await audit.record(.imageReprocessed, context, target: "image:\(id.uuidString.lowercased())", on: connection)
            }
            return result
        }
        if case .duplicate = result { return (result.jobID, true) }
        return (result.jobID, false)
    }
}
