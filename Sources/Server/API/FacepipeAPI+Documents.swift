import FacepipeCore
import Foundation
import Ingest
import OpenAPIRuntime
import Services

extension FacepipeAPI {
    /// Multipart upload of documents; like images, every file is spooled first, then each is
    /// checked and stored on its own, with results per file.
    func uploadDocuments(_ input: Operations.UploadDocuments.Input) async throws -> Operations.UploadDocuments.Output {
        let ingest = dependencies.ingest
        try ingest.authorize(call.caller)
        guard case .multipartForm(let parts) = input.body else {
            throw APIError(status: 415, code: "unsupported_type", message: "expected multipart/form-data")
        }
        var files: [(name: String?, spooler: UploadSpooler)] = []
        var reportID: String?
        try await Self.readingBody {
            for try await part in parts {
                switch part {
                case .files(let file):
                    guard files.count < ingest.config.maxFilesPerRequest else {
                        throw APIError(status: 413, code: "too_many_files", message: "at most \(ingest.config.maxFilesPerRequest) files per request")
                    }
                    let spooler = try ingest.makeSpooler(for: call.caller)
                    for try await chunk in file.payload.body { try spooler.append(chunk) }
                    files.append((FileName.clean(file.filename), spooler))
                case .reportId(let field):
                    reportID = try await Self.text(field.payload.body, field: "reportId")
                case .undocumented(let raw):
                    _ = try await Self.text(raw.body, field: "unknown field")
                }
            }
        }
        guard !files.isEmpty else { throw APIError.badRequest("no files: send them in the multipart field `files`", code: "no_files") }
        if let reportID { try ReportService.checkID(reportID) }
        let results = try await Self.eachFile(files) { name, spooler in
            let upload = IngestService.Upload(filename: name, declaredType: nil, reportID: reportID, blurFaces: false,
                                              requestID: requestID, requestedBy: call.caller.id,
                                              contributor: ReportContributor(call.caller))
            let outcome = try await ingest.ingestDocument(spooler, upload)
            return Components.Schemas.DocumentUploadResult.FilesPayloadPayload(
                id: outcome.documentID.uuidString.lowercased(), filename: name, status: .processing, duplicate: outcome.duplicate,
                sha256: outcome.sha256, bytes: outcome.bytes, mime: outcome.mime, pages: outcome.pages, jobId: outcome.jobID)
        } rejected: { name, error in
            .init(filename: name, status: .rejected, error: .init(code: error.code, message: error.message, status: error.httpStatus))
        }
        return .ok(.init(body: .json(.init(files: results))))
    }

    func getDocument(_ input: Operations.GetDocument.Input) async throws -> Operations.GetDocument.Output {
        let view = try await services.documents.get(try Self.documentID(input.path.id), call)
        let document = view.document
        return .ok(.init(body: .json(.init(
            id: document.id.uuidString.lowercased(), status: .init(rawValue: document.status.rawValue) ?? .failed, mime: document.mime,
            bytes: document.bytes, sha256: document.sha256, pageCount: document.pageCount, reports: document.reports,
            createdAt: document.createdAt, renderedAt: document.renderedAt, error: document.error, originalUrl: view.originalURL,
            pages: view.pages.map { page in
                .init(page: page.page, image: summary(page.image.image, variants: page.image.variants, document: page.image.document),
                      faces: page.image.faces.map {
                          .init(x: Double($0.box.x), y: Double($0.box.y), width: Double($0.box.width), height: Double($0.box.height))
                      })
            }))))
    }

    func processDocument(_ input: Operations.ProcessDocument.Input) async throws -> Operations.ProcessDocument.Output {
        let id = try Self.documentID(input.path.id)
        var body: Components.Schemas.ProcessRequest?
        if case .json(let json) = input.body { body = json }
        let outcomes = try await services.documents.process(id, Self.processRequest(body), call)
        return .accepted(.init(body: .json(.init(
            documentId: id.uuidString.lowercased(),
            pages: outcomes.map { .init(page: $0.page, result: Self.schema($0.outcome, imageID: $0.imageID)) }))))
    }

    func eraseDocument(_ input: Operations.EraseDocument.Input) async throws -> Operations.EraseDocument.Output {
        let id = try Self.documentID(input.path.id)
        let outcomes = try await services.documents.erase(id, call)
        return .accepted(.init(body: .json(.init(documentId: id.uuidString.lowercased(), pages: outcomes.map(Self.schema)))))
    }

    static func documentID(_ raw: String) throws -> UUID {
        guard let id = UUID(uuidString: raw) else { throw APIError.badRequest("document id must be a UUID", code: "invalid_id") }
        return id
    }
}
