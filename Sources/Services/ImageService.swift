import FacepipeCore
import Foundation
import Logging
import Persistence
import Pipeline
import PostgresNIO
import Queue
import Storage

/// Reading images and asking for their reprocessing. Who sees what is decided here: standard
/// callers read metadata and thumbnails; the signed link to an original (which may carry GPS)
/// and the processing timeline are for admins; anonymous callers see the public gallery only.
public struct ImageService: Sendable {
    let client: DatabaseClient
    let images: ImageRepository
    let queue: JobQueue
    let links: MediaLinks
    let derivatives: DerivativeLinks
    let audit: AuditService
    let policy: AccessPolicy
    /// Options an anonymize request does not name; nil when face detection is off here.
    public let anonymizeDefault: AnonymizeSettings?
    let logger: Logger

    public init(client: DatabaseClient, queue: JobQueue, links: MediaLinks, derivatives: DerivativeLinks, audit: AuditService,
                policy: AccessPolicy,
                anonymizeDefault: AnonymizeSettings?, logger: Logger) {
        self.anonymizeDefault = anonymizeDefault
        self.client = client
        self.images = ImageRepository(client: client, logger: logger)
        self.queue = queue
        self.links = links
        self.derivatives = derivatives
        self.audit = audit
        self.policy = policy
        self.logger = logger
    }

    public struct Page: Sendable {
        public var items: [ImageRecord]
        public var nextCursor: String?
        /// Each item's processed copies, by image id (absent: none).
        public var variants: [UUID: [VariantView]] = [:]
        /// The items that are rendered pages of a document: which document, which page.
        public var documents: [UUID: (documentID: UUID, page: Int)] = [:]
    }

    /// A processed copy as callers see it: its options, status, verification and, once done, a
    /// signed URL.
    public struct VariantView: Sendable {
        public var variant: ProcessedVariant
        public var url: String?
    }

    public func list(_ filter: ImageFilter, cursor: String?, limit: Int, _ context: CallContext) async throws -> Page {
        try policy.require(.readImages, context.caller)
        return try await page(filter, cursor: cursor, limit: limit, for: context.caller)
    }

    /// Images marked public whose faces were checked, newest first: what anyone may see. An
    /// image gets here only when detection found no face in it or an anonymized copy of it
    /// passed verification (no face left); one whose faces were never checked (detection off,
    /// model missing) or whose copy failed verification stays out (issue 22).
    public func gallery(cursor: String?, limit: Int, _ context: CallContext) async throws -> Page {
        try policy.require(.readGallery, context.caller)
        return try await page(ImageFilter(publicOnly: true), cursor: cursor, limit: limit, for: context.caller)
    }

    func page(_ filter: ImageFilter, cursor: String?, limit: Int, for caller: Caller) async throws -> Page {
        try Paging.check(limit: limit, max: 100)
        if let from = filter.from, let to = filter.to, from > to {
            throw APIError.badRequest("from must not be after to", code: "invalid_range")
        }
        let position = try cursor.map(ImageCursor.init(encoded:))
        // One extra row tells whether another page exists.
        let rows = try await images.list(filter, after: position, limit: limit + 1)
        let page = Paging.page(rows, limit: limit) { ImageCursor(createdAt: $0.createdAt, id: $0.id).encoded }
        var variants = try await variantViews(of: page.items.map(\.id), for: caller)
        if filter.publicOnly {
            // The gallery shows verified copies only.
            variants = variants.mapValues { $0.filter(\.variant.isPubliclyShowable) }.filter { !$0.value.isEmpty }
        }
        let documents = try await DocumentRepository(client: client, logger: logger).pagesOf(images: page.items.map(\.id))
        return Page(items: page.items, nextCursor: page.next, variants: variants, documents: documents)
    }

    /// Each image's copies; a copy `caller` may not open (`DerivativeLinks.variant`) is listed
    /// with its status and verification but no URL.
    func variantViews(of ids: [UUID], for caller: Caller) async throws -> [UUID: [VariantView]] {
        try await VariantRepository(client: client, logger: logger).variants(of: ids).mapValues { variants in
            variants.map { VariantView(variant: $0, url: derivatives.variant($0, for: caller)) }
        }
    }

    /// One image as `context`'s caller may see it.
    public struct View: Sendable {
        public var image: ImageRecord
        /// A short-lived signed URL; admins only (the act is audited).
        public var originalURL: String?
        /// The processing timeline; its details (`data`) for admins only.
        public var events: [ImageEvent]?
        /// Face boxes in upright original-image pixels.
        public var faces: [StoredFace] = []
        /// Perceptual hashes by name (hex).
        public var hashes: [(name: String, value: String)] = []
        /// Its processed (anonymized) copies, oldest first.
        public var variants: [VariantView] = []
        /// Set when the image is a rendered page of a document.
        public var document: (documentID: UUID, page: Int)?
    }

    /// What seed 000's upload answer links to: the original (for those who may view originals,
    /// audited like any original link) and the thumbnails of an image that already had them
    /// (the same bytes uploaded before), as the caller may see them. A new upload has none yet.
    public func uploadLinks(imageID: UUID, originalKey: String, existing: ImageRecord?, _ context: CallContext) async throws
        -> (originalURL: String?, thumbnails: [(size: String, url: String)])
    {
        var originalURL: String?
        if policy.allows(context.caller, .viewOriginals) {
            originalURL = links.url(forKey: originalKey)
            try await audit.record(.originalViewed, context, target: "image:\(imageID.uuidString.lowercased())",
                                   data: ["expires_in_seconds": links.ttlSeconds, "upload": true])
        }
        guard let existing, policy.allows(context.caller, .readImages) else { return (originalURL, []) }
        let urls = derivatives.thumbnails(of: existing, for: context.caller)
        return (originalURL, ImageRecord.bySize(urls))
    }

    /// - Parameter auditOriginal: false when a document's view shows its pages (the document's
    ///   original link is the one audited; pages carry none).
    public func get(_ id: UUID, _ context: CallContext, auditOriginal: Bool = true) async throws -> View {
        try policy.require(.readImages, context.caller)
        guard let image = try await images.find(id) else { throw APIError.notFound("image \(id.uuidString.lowercased()) not found") }
        var view = View(image: image)
        view.faces = try await FaceRepository(client: client, logger: logger).faces(of: id)
        if !policy.allows(context.caller, .readFaceAttributes) {
            for index in view.faces.indices { view.faces[index].attributes = nil }
        }
        // An identity id is a search result ("where else is this person?"): below admin only
        // through the routes that audit the look-up and keep to approved reports (issue 22).
        if !policy.allows(context.caller, .correctIdentities) {
            for index in view.faces.indices { view.faces[index].identityID = nil }
        }
        view.hashes = try await images.hashes(of: id)
        view.variants = try await variantViews(of: [id], for: context.caller)[id] ?? []
        view.document = try await DocumentRepository(client: client, logger: logger).pagesOf(images: [id])[id]
        if auditOriginal, policy.allows(context.caller, .viewOriginals) {
            view.originalURL = links.url(forKey: image.originalKey)
            try await audit.record(.originalViewed, context, target: "image:\(id.uuidString.lowercased())",
                                   data: ["expires_in_seconds": links.ttlSeconds])
        }
        // Every reader follows what happened to the image (seed 002's page shows the timeline);
        // the details — request ids, callers, file names, errors, signatures — are admin-only.
        var events = try await TimelineRepository(client: client, logger: logger).entries(for: id)
        if !policy.allows(context.caller, .readTimeline) {
            // Only the image's own steps: report membership, links, grouping and webhook jobs
            // are admin-only facts, and so are job ids and exact times.
            events = events.filter(\.type.shownToReaders).map { event in
                var event = event
                event.data = "{}"
                event.jobID = nil
                event.at = Date(timeIntervalSince1970: event.at.timeIntervalSince1970.rounded(.down))
                return event
            }
        }
        view.events = events
        return view
    }

    /// What `POST /images/{id}/process` asks for.
    public enum ProcessRequest: Sendable, Equatable {
        /// process_image again (thumbnails, metadata, hashes, faces).
        case process
        /// An anonymized copy; unnamed options come from `ANONYMIZE_DEFAULT`.
        case anonymize(AnonymizeSettings.Overrides)
    }

    public struct ProcessOutcome: Sendable, Equatable {
        public var pipeline: String
        public var jobID: Int64?
        /// The same work was queued (or, for a copy, made) before: this is that job.
        public var duplicate: Bool
        /// The anonymized copy asked for.
        public var variantID: UUID?
        public var status: ImageStatus
    }

    /// Queues `request` for an image. An anonymized copy with options asked for before returns
    /// the first job and copy (seed 002: deduplication by SHA-256 + pipeline); a failed one is
    /// made again.
    public func process(_ id: UUID, _ request: ProcessRequest, _ context: CallContext) async throws -> ProcessOutcome {
        switch request {
        case .process:
            let result = try await reprocess(id, context)
            return ProcessOutcome(pipeline: "process", jobID: result.jobID, duplicate: result.duplicate, status: .queued)
        case .anonymize(let overrides):
            try policy.require(.reprocess, context.caller)
            return try await anonymize(id, overrides, context)
        }
    }

    /// Queues an anonymized copy of `id` (or answers with the same copy asked for before). The
    /// caller is authorized before this: an admin (`process`) or a receipt's holder (`ReceiptService`).
    /// - Parameter check: runs first in the transaction that queues the copy (a limit to hold).
    func anonymize(_ id: UUID, _ overrides: AnonymizeSettings.Overrides, _ context: CallContext,
                   check: (@Sendable (PostgresConnection) async throws -> Void)? = nil) async throws -> ProcessOutcome {
        guard let defaults = anonymizeDefault else {
            throw APIError(status: 409, code: "anonymize_unavailable",
                           message: "face detection is off on this server (FACE_DETECTION=false), so faces cannot be anonymized")
        }
        let settings: AnonymizeSettings
        do {
            settings = try AnonymizeSettings.resolve(overrides, over: defaults)
        } catch {
            throw APIError.badRequest(error.description, code: "invalid_options")
        }
        guard try await images.find(id) != nil else { throw APIError.notFound("image \(id.uuidString.lowercased()) not found") }
        let outcome = try await client.withTransaction(logger: logger) { connection in
            try await check?(connection)
            let outcome = try await AnonymizeRequests(queue: queue, client: client, logger: logger).request(
                id, settings, correlationID: context.requestID, requestedBy: context.caller.id, on: connection)
            if !outcome.duplicate {
                try await audit.record(.imageReprocessed, context, target: "image:\(id.uuidString.lowercased())",
                                       data: ["pipeline": "anonymize", "options": settings.canonicalJSON], on: connection)
            }
            return outcome
        }
        return ProcessOutcome(pipeline: "anonymize", jobID: outcome.jobID, duplicate: outcome.duplicate,
                              variantID: outcome.variantID, status: outcome.status)
    }

    /// Queues process_image again → (job id, whether one was queued already).
    func reprocess(_ id: UUID, _ context: CallContext) async throws -> (jobID: Int64, duplicate: Bool) {
        try policy.require(.reprocess, context.caller)
        guard try await images.find(id) != nil else { throw APIError.notFound("image \(id.uuidString.lowercased()) not found") }
        let job = ImageJob.process(image: id).newJob(correlationID: context.requestID, requestedBy: context.caller.id)
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
