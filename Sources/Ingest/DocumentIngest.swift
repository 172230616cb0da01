import FacepipeCore
import Foundation
import Imaging
import Persistence
import PostgresNIO
import Queue
import Storage

/// Documents (`POST /upload/documents`): the same checks as images — size while spooling, the
/// erased list, the virus scan, magic bytes agreeing with the name — then the document's own:
/// page count (`DOCUMENT_MAX_PAGES`, from the first page's header), every page's size, and a
/// render of the first page (encrypted, damaged or hostile files fail here, before anything is
/// stored). The original goes to `originals/`, and a `render_document` job turns each page into
/// an image that process_image takes like any upload.
extension IngestService {
    public struct DocumentOutcome: Sendable, Equatable {
        public var documentID: UUID
        public var duplicate: Bool
        public var sha256: String
        public var bytes: Int64
        public var mime: String
        public var pages: Int
        public var jobID: Int64?
    }

    public func ingestDocument(_ file: UploadSpooler, _ upload: Upload) async throws -> DocumentOutcome {
        let sha256 = try file.finish()
        guard file.byteCount > 0 else { throw APIError.badRequest("the file is empty", code: "empty_file") }
        if erasedReupload == .reject, try await ErasureRepository(client: client, logger: logger).find(sha256: sha256) != nil {
            throw APIError(status: 410, code: "erased", message: "this file was erased from facepipe and may not be uploaded again")
        }
        _ = try await scan(file, sha256: sha256, upload: upload)
        let head = try FileHandle(forReadingFrom: file.url).read(upToCount: 1024) ?? Data()
        guard let type = MediaType.sniffDocument(head) else {
            throw APIError(status: 415, code: "unsupported_type", message: "the file is not a PDF, TIFF, JPEG or PNG")
        }
        try type.checkName(upload.filename)
        try refusePolyglot(file.url, what: "document")
        let pages = try await validateDocument(file.url, type: type)
        let documents = DocumentRepository(client: client, logger: logger)

        if let existing = try await documents.findBySHA256(sha256) {
            try await attachDocument(existing.id, upload)
            return DocumentOutcome(documentID: existing.id, duplicate: true, sha256: sha256, bytes: file.byteCount,
                                   mime: existing.mime, pages: existing.pageCount, jobID: nil)
        }
        let id = UUID()
        let key = try MediaKey.original(id: id, ext: type.fileExtension, date: Date())
        _ = try await store.put(key, file: file.url, contentType: type.mimeType)
        do {
            let record = DocumentRecord(id: id, sha256: sha256, mime: type.mimeType, bytes: file.byteCount, pageCount: pages,
                                        originalKey: key.rawValue, reports: upload.reportID.map { [$0] } ?? [], status: .queued,
                                        error: nil, requestedBy: upload.requestedBy, createdAt: Date(), renderedAt: nil)
            let (existing, jobID) = try await client.withTransaction(logger: logger) { connection -> (UUID?, Int64?) in
                try await mayAddDocument(to: upload, on: connection)
                let result = try await documents.insert(record, on: connection)
                guard result.inserted else { return (result.id, nil) }
                if let report = upload.reportID { _ = try await documents.add(id, to: report, on: connection) }
                let job = ImageJob.render(document: id).newJob(correlationID: upload.requestID, requestedBy: upload.requestedBy)
                return (nil, try await queue.enqueue(job, on: connection).jobID)
            }
            if let existing {
                // A concurrent upload of the same bytes won: drop our copy, answer with theirs.
                try? await store.delete(key)
                try await attachDocument(existing, upload)
                return DocumentOutcome(documentID: existing, duplicate: true, sha256: sha256, bytes: file.byteCount,
                                       mime: type.mimeType, pages: pages, jobID: nil)
            }
            return DocumentOutcome(documentID: id, duplicate: false, sha256: sha256, bytes: file.byteCount, mime: type.mimeType,
                                   pages: pages, jobID: jobID)
        } catch {
            try? await store.delete(key)
            throw error
        }
    }

    /// The same document again: it joins the upload's report, and so do its rendered pages
    /// (connecting the report to the pages' other reports, as a re-used photo does).
    private func attachDocument(_ id: UUID, _ upload: Upload) async throws {
        guard let report = upload.reportID else { return }
        let documents = DocumentRepository(client: client, logger: logger)
        let links = ReportLinkRepository(client: client, logger: logger)
        let pages = try await documents.pages(of: id)
        try await client.withTransaction(logger: logger) { connection in
            try await mayAddDocument(to: upload, on: connection)
            _ = try await documents.add(id, to: report, on: connection)
            for page in pages where try await links.add(page.imageID, to: report, by: upload.requestedBy, requestID: upload.requestID,
                                                         blurFaces: false, on: connection) {
                try await timeline.append(.addedToReport(report: report, blurFaces: false, requestID: upload.requestID),
                                          imageID: page.imageID, on: connection)
                let fresh = try await links.recordSameImage(page.imageID, on: connection)
                try await timeline.announce(fresh, observer: linkObserver, correlationID: upload.requestID, on: connection)
            }
        }
    }

    /// A document joins its report at once or not at all: its pages are rendered later, by a job
    /// that has no one to ask. So a document for someone else's report (not an admin's upload,
    /// not the report's creator's) is refused with 403 `report_not_yours` rather than held
    /// pending (issue 22); images are held pending instead. Audited when the report existed.
    private func mayAddDocument(to upload: Upload, on connection: PostgresConnection) async throws {
        guard let report = upload.reportID else { return }
        let claim = try await claimReport(report, for: upload.contributor, on: connection)
        guard claim.direct else {
            throw APIError(status: 403, code: "report_not_yours",
                           message: "report \(report) was created by someone else: upload the document without reportId, or ask an admin to add it")
        }
        if !claim.created { try await auditAddition(to: report, upload, data: #"{"document":true,"pending":false}"#, on: connection) }
    }

    /// Page count and sizes within the limits, and the first page rendered (`DocumentWork.probe`),
    /// in the sandbox's child process: poppler never parses an upload inside the API.
    private func validateDocument(_ url: URL, type: MediaType) async throws -> Int {
        let config = self.config
        let limits = ImageLimits(maxWidth: config.maxDimension, maxHeight: config.maxDimension, maxPixels: config.maxPixels)
        do {
            return try await documentSandbox.probe(fileAt: url, type: type, config: config)
        } catch let error as DocumentError {
            switch error {
            case .tooManyPages: throw APIError(status: 422, code: "too_many_pages", message: error.description)
            case .pageTooLarge: throw APIError(status: 413, code: "page_too_large", message: error.description)
            case .encrypted: throw APIError(status: 422, code: "encrypted_document", message: "\(error.description); upload it without a password")
            case .unreadable: throw APIError(status: 422, code: "corrupt_document", message: "the document cannot be read (damaged or not a document)")
            }
        } catch let error as ImagingError {
            if case .tooLarge(let width, let height) = error {
                throw APIError(status: 413, code: "too_many_pixels",
                               message: "a page is \(width)×\(height); the limit is \(limits.maxWidth)×\(limits.maxHeight) and \(limits.maxPixels) pixels")
            }
            throw APIError(status: 422, code: "corrupt_document", message: "the document cannot be decoded (corrupt or truncated)")
        }
    }
}
