import FacepipeCore
import Foundation
import Ingest
import OpenAPIRuntime
import Services
import Storage

extension FacepipeAPI {
    /// Multipart upload. Every file is spooled to disk first (so an 11th file or an oversized
    /// one fails the request before anything is stored), then each is ingested on its own.
    func uploadImages(_ input: Operations.UploadImages.Input) async throws -> Operations.UploadImages.Output {
        try dependencies.ingest.authorize(call.caller)
        guard case .multipartForm(let parts) = input.body else {
            throw APIError(status: 415, code: "unsupported_type", message: "expected multipart/form-data")
        }
        let ingest = dependencies.ingest
        let form = try await readUploadForm(parts)
        let (files, reportID, blurFaces) = (form.files, form.reportID, form.blurFaces)
        guard !files.isEmpty else { throw APIError.badRequest("no files: send them in the multipart field `files`", code: "no_files") }
        if let reportID { try ReportService.checkID(reportID) }

        let results = try await Self.eachFile(files) { name, spooler in
            let upload = IngestService.Upload(filename: name, declaredType: nil, reportID: reportID, blurFaces: blurFaces,
                                              isPublic: form.isPublic, requestID: requestID, requestedBy: call.caller.id,
                                              contributor: ReportContributor(call.caller))
            return try await answer(try await ingest.ingest(spooler, upload), filename: name, anonymous: call.caller.role == .anonymous)
        } rejected: { name, error in
            Components.Schemas.UploadedFile(filename: name, status: .rejected,
                                            error: .init(code: error.code, message: error.message, status: error.httpStatus))
        }
        return .ok(.init(body: .json(.init(files: results))))
    }

    /// Ingests each spooled file on its own and answers per file: a file refused with a 4xx (or
    /// a 503) is listed as rejected while the others go through; when every file is refused, the
    /// request fails with the first refusal. Shared by the image and document uploads.
    static func eachFile<Item>(
        _ files: [(name: String?, spooler: UploadSpooler)], ingest: (String?, UploadSpooler) async throws -> Item,
        rejected: (String?, APIError) -> Item
    ) async throws -> [Item] {
        var results: [Item] = []
        var firstError: APIError?
        var accepted = 0
        for file in files {
            do {
                results.append(try await ingest(file.name, file.spooler))
                accepted += 1
            } catch let error as APIError where error.httpStatus < 500 || error.httpStatus == 503 {
                firstError = firstError ?? error
                results.append(rejected(file.name, error))
            }
        }
        if let firstError, accepted == 0 {
            throw files.count == 1 ? firstError : APIError(
                status: firstError.httpStatus, code: firstError.code,
                message: "every file was rejected; first: \(firstError.message)", retryAfterSeconds: firstError.retryAfterSeconds)
        }
        return results
    }

    struct UploadForm {
        var files: [(name: String?, spooler: UploadSpooler)] = []
        var reportID: String?
        var blurFaces = false
        var isPublic = false
    }

    /// Spools every file part to disk (bounded in count and size) and reads the text fields,
    /// which may come before or after the files.
    func readUploadForm(_ parts: MultipartBody<Operations.UploadImages.Input.Body.MultipartFormPayload>) async throws -> UploadForm {
        let ingest = dependencies.ingest
        var form = UploadForm()
        try await Self.readingBody {
            for try await part in parts {
                switch part {
                case .files(let file):
                    guard form.files.count < ingest.config.maxFilesPerRequest else {
                        throw APIError(status: 413, code: "too_many_files",
                                       message: "at most \(ingest.config.maxFilesPerRequest) files per request")
                    }
                    let spooler = try ingest.makeSpooler(for: call.caller)
                    for try await chunk in file.payload.body { try spooler.append(chunk) }
                    // Names are data: cleaned here, once, for every later use (see FileName).
                    form.files.append((FileName.clean(file.filename), spooler))
                case .reportId(let field):
                    form.reportID = try await Self.text(field.payload.body, field: "reportId")
                case .blurFaces(let field):
                    let value = try await Self.text(field.payload.body, field: "blurFaces")
                    guard let flag = Bool(value) else { throw APIError.badRequest("blurFaces must be true or false") }
                    form.blurFaces = flag
                case ._public(let field):
                    let value = try await Self.text(field.payload.body, field: "public")
                    guard let flag = Bool(value) else { throw APIError.badRequest("public must be true or false") }
                    form.isPublic = flag
                case .undocumented(let raw):
                    // Unknown fields are drained and ignored, bounded like a text field.
                    _ = try await Self.text(raw.body, field: "unknown field")
                }
            }
        }
        return form
    }

    func initUpload(_ input: Operations.InitUpload.Input) async throws -> Operations.InitUpload.Output {
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        let announced = try await announceUpload(request, lifetimeSeconds: dependencies.links.ttlSeconds)
        return .created(.init(body: .json(.init(id: announced.id, uploadUrl: announced.url, method: .put,
                                                expiresAt: announced.expiresAt))))
    }

    /// Seed 000's direct upload (§2.2): `{filename, contentType, size}` → `{uploadUrl, fileKey,
    /// expiresIn: 3600}`. The URL is facepipe's own signed PUT, not the bucket's, so the bytes
    /// are still scanned and validated before anything is stored; `fileKey` is the upload's id.
    func presignUpload(_ input: Operations.PresignUpload.Input) async throws -> Operations.PresignUpload.Output {
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        let announced = try await announceUpload(request, lifetimeSeconds: Self.presignedLifetimeSeconds)
        return .ok(.init(body: .json(.init(uploadUrl: announced.url, fileKey: announced.id, expiresIn: Self.presignedLifetimeSeconds,
                                           id: announced.id, method: .put, expiresAt: announced.expiresAt))))
    }

    /// Seed 000's `expiresIn` for a presigned upload.
    static let presignedLifetimeSeconds = 3600

    /// Records the intent to upload one file and signs the URL it goes to: what `/upload-init`
    /// and `/upload/presigned` share (they differ in lifetime and answer shape).
    func announceUpload(_ request: Components.Schemas.UploadInitRequest, lifetimeSeconds: Int) async throws
        -> (id: String, url: String, expiresAt: Date)
    {
        try dependencies.ingest.authorize(call.caller)
        guard let filename = FileName.clean(request.filename) else {
            throw APIError.badRequest("filename has no readable name in it (only a path or control characters)", code: "invalid_filename")
        }
        let type = try Self.announcedType(filename: filename, contentType: request.contentType)
        if let size = request.size, size > dependencies.ingest.config.maxFileBytes {
            throw APIError(status: 413, code: "file_too_large",
                           message: "file exceeds the \(dependencies.ingest.config.maxFileBytes >> 20) MB limit")
        }
        if let reportID = request.reportId { try ReportService.checkID(reportID) }
        let id = UUID()
        let expires = Date().addingTimeInterval(Double(lifetimeSeconds))
        try await dependencies.ingest.announce(UploadIntent(
            id: id, filename: filename, contentType: type.mimeType, declaredBytes: request.size,
            reportID: request.reportId, blurFaces: request.blurFaces ?? false, isPublic: request._public ?? false, expiresAt: expires),
            by: call.caller)
        let url = try dependencies.links.signedUploadURL(id: id, expires: expires)
        // Whole seconds: the signature covers the truncated expiry.
        return (id.uuidString.lowercased(), url, Date(timeIntervalSince1970: expires.timeIntervalSince1970.rounded(.down)))
    }

    func putUpload(_ input: Operations.PutUpload.Input) async throws -> Operations.PutUpload.Output {
        let rawID = input.path.id
        guard let id = UUID(uuidString: rawID) else { throw APIError.badRequest("upload id must be a UUID", code: "invalid_id") }
        try dependencies.links.verifyUpload(path: "/uploads/\(rawID)", expires: input.query.expires, signature: input.query.signature)
        guard let intent = try await dependencies.intents.find(id) else {
            throw APIError(status: 403, code: "invalid_signature", message: "unknown upload")
        }
        guard intent.usedAt == nil else { throw APIError.conflict("this upload URL was already used", code: "upload_used") }
        try Self.checkBodyType(RequestContextStore.current?.contentType, announced: intent.contentType)
        let body: HTTPBody = switch input.body {
        case .binary(let body): body
        case .image_Ast_(let body): body
        }
        let spooler = try dependencies.ingest.makeSpooler(forSignedUpload: intent)
        try await Self.readingBody { for try await chunk in body { try spooler.append(chunk) } }
        let upload = IngestService.Upload(filename: intent.filename, declaredType: intent.contentType, reportID: intent.reportID,
                                          blurFaces: intent.blurFaces, isPublic: intent.isPublic, requestID: requestID,
                                          requestedBy: intent.createdBy, intentID: id,
                                          // Whoever announced it, as they were then (anonymous: no owner).
                                          contributor: ReportContributor(id: intent.createdBy == "anonymous" ? nil : intent.createdBy,
                                                                         role: intent.createdByRole ?? .anonymous))
        let outcome = try await dependencies.ingest.ingest(spooler, upload)
        return .created(.init(body: .json(try await answer(outcome, filename: intent.filename,
                                                           anonymous: intent.createdByRole ?? .anonymous == .anonymous))))
    }

    /// A direct upload's body may carry the type announced at upload-init (what browsers, `fetch`
    /// and S3 clients send) or say nothing specific (application/octet-stream).
    static func checkBodyType(_ header: String?, announced: String) throws {
        let sent = header?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let accepted = MediaType.uploadableImages.first { $0.mimeType == announced }?.allowedMimeTypes ?? [announced]
        guard sent.isEmpty || sent == "application/octet-stream" || accepted.contains(sent) else {
            throw APIError(status: 415, code: "type_mismatch",
                           message: "this upload URL expects Content-Type \(announced) (announced at upload-init) or application/octet-stream, not \(sent)")
        }
    }

    /// One file's answer in seed 000's words: `status` is `processing` for new work and the
    /// existing image's own state for bytes already processed (`done`, `failed`); `originalUrl`
    /// for callers who may view originals; `thumbnails` once they exist, as the caller may see them;
    /// for an anonymous uploader, the `receipt` that lets them follow it (seed 002's public mode).
    func answer(_ outcome: IngestService.Outcome, filename: String?, anonymous: Bool) async throws -> Components.Schemas.UploadedFile {
        let links = try await services.images.uploadLinks(imageID: outcome.imageID, originalKey: outcome.originalKey,
                                                          existing: outcome.existing, call)
        let receipt = try await services.receipts.issue(for: outcome.imageID, uploadedBy: anonymous ? .anonymous : call.caller.role,
                                                        existing: outcome.existing)
        return .init(filename: filename, id: outcome.imageID.uuidString.lowercased(), status: Self.uploadStatus(outcome),
                     duplicate: outcome.duplicate, sha256: outcome.sha256, bytes: outcome.bytes, mime: outcome.mime,
                     width: outcome.width, height: outcome.height, jobId: outcome.jobID, originalUrl: links.originalURL, receipt: receipt,
                     thumbnails: links.thumbnails.compactMap { link in
                         Components.Schemas.ThumbnailLink.SizePayload(rawValue: link.size).map { .init(size: $0, url: link.url) }
                     })
    }

    static func uploadStatus(_ outcome: IngestService.Outcome) -> Components.Schemas.UploadedFile.StatusPayload {
        guard outcome.jobID == nil, let existing = outcome.existing else { return .processing }
        switch existing.status {
        case .done: return .done
        case .failed: return .failed
        default: return .processing
        }
    }

    /// Reads a request body: a malformed multipart stream or a broken upload is the client's
    /// fault (400), not a server error.
    static func readingBody(_ read: () async throws -> Void) async throws {
        do {
            try await read()
        } catch let error as APIError {
            throw error
        } catch {
            let detail = String(describing: error).prefix(200)
            if detail.contains("header") {
                // Typically a raw line break inside `filename="…"`, which ends the part's header early.
                throw APIError.badRequest(
                    "malformed multipart part header (\(detail)); a file name may not contain a raw line break: percent-encode it",
                    code: "malformed_body")
            }
            throw APIError.badRequest("malformed request body: \(detail)", code: "malformed_body")
        }
    }

    /// A small text field, read with a size bound.
    static func text(_ body: HTTPBody, field: String) async throws -> String {
        do {
            return try await String(collecting: body, upTo: 1024)
        } catch {
            throw APIError.badRequest("field \(field) is too long")
        }
    }

    /// For direct uploads the bytes are not here yet: the name and type must at least agree
    /// with each other on an accepted image type (the bytes are checked on PUT).
    static func announcedType(filename: String, contentType: String) throws -> MediaType {
        let declared = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard let type = MediaType.uploadableImages.first(where: { $0.allowedMimeTypes.contains(declared) }) else {
            throw APIError(status: 415, code: "unsupported_type", message: "content type \(declared) is not an accepted image type")
        }
        return try UploadTypeCheck.check(sniffed: type, filename: filename, declaredMimeType: declared).type
    }
}
