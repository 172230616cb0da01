import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Queue
import Storage

/// Reading, anonymizing and erasing documents. A document's pages are images, so who may see
/// or do what is what `ImageService` and `ErasureService` decide for images; this service only
/// walks the pages.
public struct DocumentService: Sendable {
    let documents: DocumentRepository
    let images: ImageService
    let erasure: ErasureService
    let client: DatabaseClient
    let queue: JobQueue
    let links: MediaLinks
    let audit: AuditService
    let policy: AccessPolicy
    let logger: Logger

    public init(client: DatabaseClient, queue: JobQueue, links: MediaLinks, images: ImageService, erasure: ErasureService,
                audit: AuditService, policy: AccessPolicy, logger: Logger) {
        self.documents = DocumentRepository(client: client, logger: logger)
        self.client = client
        self.queue = queue
        self.links = links
        self.images = images
        self.erasure = erasure
        self.audit = audit
        self.policy = policy
        self.logger = logger
    }

    public struct View: Sendable {
        public var document: DocumentRecord
        /// Rendered pages so far, in order.
        public var pages: [(page: Int, image: ImageService.View)]
        /// Signed, short-lived; admins only (audited).
        public var originalURL: String?
    }

    public func get(_ id: UUID, _ context: CallContext) async throws -> View {
        try policy.require(.readImages, context.caller)
        let document = try await find(id)
        var pages: [(Int, ImageService.View)] = []
        for page in try await documents.pages(of: id) {
            pages.append((page.page, try await images.get(page.imageID, context, auditOriginal: false)))
        }
        var view = View(document: document, pages: pages)
        if policy.allows(context.caller, .viewOriginals) {
            view.originalURL = links.url(forKey: document.originalKey)
            try await audit.record(.originalViewed, context, target: "document:\(id.uuidString.lowercased())",
                                   data: ["expires_in_seconds": links.ttlSeconds])
        }
        return view
    }

    /// An anonymized copy of every rendered page (`request` as for one image).
    public func process(_ id: UUID, _ request: ImageService.ProcessRequest, _ context: CallContext) async throws
        -> [(page: Int, imageID: UUID, outcome: ImageService.ProcessOutcome)]
    {
        try policy.require(.reprocess, context.caller)
        _ = try await find(id)
        let pages = try await documents.pages(of: id)
        guard !pages.isEmpty else {
            throw APIError.conflict("the document's pages are not rendered yet; retry when its status is done", code: "not_rendered")
        }
        var outcomes: [(Int, UUID, ImageService.ProcessOutcome)] = []
        for page in pages { outcomes.append((page.page, page.imageID, try await images.process(page.imageID, request, context))) }
        return outcomes
    }

    /// Erases every page image (as `DELETE /images/{id}` does), then the document's row and
    /// original. A page image that another document or upload shares goes too: erasure is a
    /// takedown of those pixels.
    public func erase(_ id: UUID, _ context: CallContext) async throws -> [ErasureService.Outcome] {
        try policy.require(.erase, context.caller)
        let document = try await find(id)
        var outcomes: [ErasureService.Outcome] = []
        for page in try await documents.pages(of: id) { outcomes.append(try await erasure.erase(page.imageID, context)) }
        // The original goes by a job queued with the row's deletion: a store that is down now
        // delays it, never leaves it behind.
        let job = ImageJob.eraseDocument(document: id, originalKey: document.originalKey)
            .newJob(correlationID: context.requestID, requestedBy: context.caller.id)
        try await client.withTransaction(logger: logger) { connection in
            try await documents.delete(id, on: connection)
            try await audit.record(.imageErased, context, target: "document:\(id.uuidString.lowercased())",
                                   data: ["pages": outcomes.count], on: connection)
            _ = try await queue.enqueue(job, on: connection)
        }
        return outcomes
    }

    func find(_ id: UUID) async throws -> DocumentRecord {
        guard let document = try await documents.find(id) else {
            throw APIError.notFound("document \(id.uuidString.lowercased()) not found")
        }
        return document
    }
}
