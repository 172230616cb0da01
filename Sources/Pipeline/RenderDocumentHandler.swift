import Catalog
import Crypto
import FacepipeCore
import Foundation
import Imaging
import Logging
import Persistence
import PostgresNIO
import Queue
import Storage

/// The `render_document` job (payload `{"document":"<uuid>"}`): each page of a PDF or TIFF is
/// rendered into a lossless, metadata-free PNG (PDF at `DOCUMENT_DPI`, lowered for large pages)
/// and becomes an image of its own — in the document's reports, processed by process_image
/// (thumbnails, four hashes, faces, embeddings) and anonymizable like any photo. A page whose
/// pixels were seen before (the same page in another document) is that image, and joins this
/// document's reports: a re-used page links reports as a re-used photo does. A JPEG or PNG scan
/// is its own single page. Idempotent: pages already recorded are skipped on a re-run.
public struct RenderDocumentHandler: JobHandler {
    let client: DatabaseClient
    let store: any MediaStore
    let queue: JobQueue
    let config: IngestConfig
    /// Where pages are rendered (a child process, never this one).
    let sandbox: DocumentSandbox
    let catalog: Catalog
    let logger: Logger

    public init(client: DatabaseClient, store: any MediaStore, queue: JobQueue, config: IngestConfig,
                sandbox: DocumentSandbox = DocumentSandbox(), logger: Logger) {
        self.sandbox = sandbox
        self.client = client
        self.store = store
        self.queue = queue
        self.config = config
        self.catalog = Catalog(client: client, store: store, queue: queue, logger: logger)
        self.logger = logger
    }

    public func handle(_ job: ClaimedJob, context: JobContext) async throws {
        let documents = DocumentRepository(client: client, logger: logger)
        guard let payload = try? job.decodePayload(ImageJob.RenderPayload.self), let document = try await documents.find(payload.document) else {
            throw PermanentJobError("the document no longer exists")
        }
        try await documents.markStatus(document.id, .processing)
        let bytes = try await store.required(document.originalKey, "original")
        // The child reads the original from a private file, not from this process's memory.
        let original = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-document-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: original.path, contents: bytes,
                                             attributes: [.posixPermissions: 0o600]) else {
            throw PermanentJobError("cannot write the document to \(original.path) for the renderer")
        }
        defer { try? FileManager.default.removeItem(at: original) }
        let done = Set(try await documents.pages(of: document.id).map(\.page))
        for page in 1...document.pageCount where !done.contains(page) {
            let rendered = try await render(original, mime: document.mime, page: page)
            try await record(rendered, page: page, of: document, job: job)
        }
        try await documents.markStatus(document.id, .done)
        context.logger.info("document rendered", metadata: ["document_id": "\(document.id)", "pages": "\(document.pageCount)"])
    }

    /// The document is `failed` with the error.
    public func failedForGood(_ job: ClaimedJob, error message: String, context: JobContext) async throws {
        guard let payload = try? job.decodePayload(ImageJob.RenderPayload.self) else { return }
        try await DocumentRepository(client: client, logger: logger).markStatus(payload.document, .failed, error: message)
    }

    public typealias RenderedPage = DocumentWork.RenderedPage

    /// Page `page` (from 1), rendered in the sandbox's child process from the original on disk.
    func render(_ original: URL, mime: String, page: Int) async throws -> RenderedPage {
        guard let type = MediaType(mimeType: mime), MediaType.documents.contains(type) else {
            throw PermanentJobError("cannot render a document of type \(mime)")
        }
        do {
            return try await sandbox.render(fileAt: original, type: type, page: page, config: config)
        } catch let error as DocumentError {
            throw PermanentJobError("cannot render page \(page): \(error)")
        } catch let error as ImagingError {
            throw PermanentJobError("cannot render page \(page): \(error)")
        }
    }

    /// Stores the page as an image (or finds the image with the same bytes), puts it in every
    /// report of the document and queues its processing, in one transaction.
    func record(_ page: RenderedPage, page number: Int, of document: DocumentRecord, job: ClaimedJob) async throws {
        let links = ReportLinkRepository(client: client, logger: logger)
        let timeline = TimelineRepository(client: client, logger: logger)
        let (client, logger) = (client, logger)
        /// The page image joins every report of the document, and the document records it.
        @Sendable func attach(_ imageID: UUID, createdNow: Bool, on connection: PostgresConnection) async throws {
            for report in document.reports {
                guard try await links.add(imageID, to: report, by: document.requestedBy, requestID: job.correlationID,
                                          blurFaces: false, on: connection) else { continue }
                if !createdNow {
                    // A page seen before: its first upload's `image.uploaded` named another report.
                    try await timeline.append(.addedToReport(report: report, blurFaces: false, requestID: job.correlationID),
                                              imageID: imageID, on: connection)
                }
                let fresh = try await links.recordSameImage(imageID, on: connection)
                try await timeline.announce(fresh, observer: nil, correlationID: job.correlationID, on: connection)
            }
            try await DocumentRepository(client: client, logger: logger).recordPage(document.id, page: number, imageID: imageID,
                                                                                    dpi: page.dpi, on: connection)
        }
        let sha256 = SHA256.hash(data: page.data).map { String(format: "%02x", $0) }.joined()
        if let existing = try await ImageRepository(client: client, logger: logger).findBySHA256(sha256) {
            try await client.withTransaction(logger: logger) { try await attach(existing.id, createdNow: false, on: $0) }
            return
        }
        let file = Catalog.CheckedFile(bytes: .data(page.data), sha256: sha256, mime: page.mime, fileExtension: page.ext,
                                       byteCount: Int64(page.data.count), width: page.width, height: page.height)
        _ = try await catalog.createImage(file, Catalog.Provenance(requestID: job.correlationID, requestedBy: job.requestedBy)) {
            creation, connection in
            let createdNow = if case .created = creation { true } else { false }
            try await attach(creation.imageID, createdNow: createdNow, on: connection)
        }
    }
}
