import Catalog
import FacepipeCore
import Foundation
import Imaging
import Logging
import NIOPosix
import Persistence
import PostgresNIO
import Queue
import Scanning
import Storage

/// Takes one spooled upload through every check and, if it passes, stores the original,
/// records the image and queues its processing in one transaction. Nothing that fails a
/// check leaves bytes or rows behind.
public struct IngestService: Sendable {
    public struct Scanning: Sendable {
        public var scanner: any VirusScanner
        public var whenUnavailable: ScannerConfig.WhenUnavailable
        public init(scanner: any VirusScanner, whenUnavailable: ScannerConfig.WhenUnavailable) {
            self.scanner = scanner
            self.whenUnavailable = whenUnavailable
        }
    }

    /// What the client said about the file (checked, never trusted).
    public struct Upload: Sendable {
        public var filename: String?
        public var declaredType: String?
        public var reportID: String?
        public var blurFaces: Bool
        /// For the public gallery (faces blurred in every public derivative).
        public var isPublic: Bool
        public var requestID: String?
        /// `Caller.id` of whoever uploaded (or announced a direct upload): carried into the jobs.
        public var requestedBy: String?
        /// Set for direct uploads: the intent is marked used in the same transaction.
        public var intentID: UUID?
        /// Whose addition to `reportID` this is: it joins the report at once only for an admin or
        /// the report's creator, and waits for an admin otherwise (`ReportContributor`).
        public var contributor: ReportContributor

        public init(filename: String?, declaredType: String?, reportID: String?, blurFaces: Bool, isPublic: Bool = false,
                    requestID: String?, requestedBy: String? = nil, intentID: UUID? = nil,
                    contributor: ReportContributor = ReportContributor(id: nil, role: .anonymous)) {
            self.contributor = contributor
            self.isPublic = isPublic
            self.requestedBy = requestedBy
            self.filename = filename
            self.declaredType = declaredType
            self.reportID = reportID
            self.blurFaces = blurFaces
            self.requestID = requestID
            self.intentID = intentID
        }
    }

    public struct Outcome: Sendable, Equatable {
        public var imageID: UUID
        public var duplicate: Bool
        public var sha256: String
        public var bytes: Int64
        public var mime: String
        public var width: Int
        public var height: Int
        public var jobID: Int64?
        /// Where the original is stored.
        public var originalKey: String
        /// The image these bytes already were (`duplicate`), as found: its status and files.
        public var existing: ImageRecord?
    }

    public let config: IngestConfig
    public let store: any MediaStore
    public let scanning: Scanning?
    public let client: DatabaseClient
    public let images: ImageRepository
    let timeline: TimelineRepository
    let catalog: Catalog
    public let intents: UploadIntentRepository
    public let queue: JobQueue
    public let spoolDirectory: URL
    /// Who may upload (standard and above; anyone with PUBLIC_UPLOADS).
    public let policy: AccessPolicy
    public let erasedReupload: AuthConfig.ErasedReupload
    /// Told when an upload connects two reports (the same file in both).
    let linkObserver: (any ReportLinkObserver)?
    /// Where documents are parsed (a child process, never this one).
    public let documentSandbox: DocumentSandbox
    let logger: Logger

    public init(config: IngestConfig, store: any MediaStore, scanning: Scanning?, client: DatabaseClient, queue: JobQueue,
                spoolDirectory: URL, policy: AccessPolicy = AccessPolicy(), erasedReupload: AuthConfig.ErasedReupload = .reject,
                linkObserver: (any ReportLinkObserver)? = nil, documentSandbox: DocumentSandbox = DocumentSandbox(), logger: Logger) {
        self.linkObserver = linkObserver
        self.documentSandbox = documentSandbox
        self.policy = policy
        self.erasedReupload = erasedReupload
        self.config = config
        self.store = store
        self.scanning = scanning
        self.client = client
        self.images = ImageRepository(client: client, logger: logger)
        self.timeline = TimelineRepository(client: client, logger: logger)
        self.catalog = Catalog(client: client, store: store, queue: queue, logger: logger)
        self.intents = UploadIntentRepository(client: client, logger: logger)
        self.queue = queue
        self.spoolDirectory = spoolDirectory
        self.logger = logger
    }

    /// Refuses callers who may not upload (401/403), before anything of the request is read.
    public func authorize(_ caller: Caller) throws {
        try policy.require(.upload, caller)
    }

    /// A spool for one file of `caller`'s request. The permission is checked here, before a byte
    /// is read, so no route can take a file in without it.
    public func makeSpooler(for caller: Caller, to permission: Permission = .upload) throws -> UploadSpooler {
        try policy.require(permission, caller)
        return try UploadSpooler(directory: spoolDirectory, maxBytes: config.maxFileBytes)
    }

    /// A spool for the body of a direct upload: its verified signature stands for the permission
    /// of whoever announced it (checked then, by `announce`).
    public func makeSpooler(forSignedUpload intent: UploadIntent) throws -> UploadSpooler {
        try UploadSpooler(directory: spoolDirectory, maxBytes: config.maxFileBytes)
    }

    /// Records a direct upload announced by `caller` (`POST /upload-init`).
    public func announce(_ intent: UploadIntent, by caller: Caller) async throws {
        try policy.require(.upload, caller)
        var intent = intent
        intent.createdBy = caller.id
        intent.createdByRole = caller.role
        try await intents.create(intent)
    }

    public func ingest(_ file: UploadSpooler, _ upload: Upload) async throws -> Outcome {
        let sha256 = try file.finish()
        guard file.byteCount > 0 else { throw APIError.badRequest("the file is empty", code: "empty_file") }
        if erasedReupload == .reject, try await ErasureRepository(client: client, logger: logger).find(sha256: sha256) != nil {
            throw APIError(status: 410, code: "erased", message: "this file was erased from facepipe and may not be uploaded again")
        }
        let scanFlag = try await scan(file, sha256: sha256, upload: upload)
        let checked = try UploadTypeCheck.check(sniffed: MediaType.sniffImage(file.head), filename: upload.filename,
                                                declaredMimeType: upload.declaredType)
        let type = checked.type
        try refusePolyglot(file.url)
        let header = try await validate(file.url, type: type)

        if let existing = try await images.findBySHA256(sha256) {
            let jobID = try await attach(existing, upload)
            try await markIntentUsed(upload.intentID, imageID: existing.id)
            return Outcome(imageID: existing.id, duplicate: true, sha256: sha256, bytes: file.byteCount, mime: existing.mime,
                           width: existing.width ?? header.uprightWidth, height: existing.height ?? header.uprightHeight, jobID: jobID,
                           originalKey: existing.originalKey, existing: existing)
        }

        // The report comes with `joinReport`, which decides whether the addition counts yet.
        let checkedFile = Catalog.CheckedFile(bytes: .file(file.url), sha256: sha256, mime: type.mimeType, fileExtension: type.fileExtension,
                                              byteCount: file.byteCount, width: header.uprightWidth, height: header.uprightHeight)
        let provenance = Catalog.Provenance(requestID: upload.requestID, requestedBy: upload.requestedBy, blurFaces: upload.blurFaces,
                                            isPublic: upload.isPublic)
        let (creation, _) = try await catalog.createImage(checkedFile, provenance) { creation, connection in
            guard case .created(let id, _, _) = creation else { return }
            _ = try await joinReport(id, upload, onTimeline: false, on: connection)
            if let intent = upload.intentID, try await !intents.markUsed(intent, imageID: id, on: connection) {
                throw APIError.conflict("this upload URL was already used", code: "upload_used")
            }
            if let claimed = checked.claimed {
                // Kept under its real type; the timeline says what the client called it.
                try await timeline.append(.typeCorrected(claimed: claimed, actual: type.mimeType), imageID: id, on: connection)
            }
            if let scanFlag {
                try await timeline.append(.scanSkipped(reason: scanFlag), imageID: id, on: connection)
            }
        }
        switch creation {
        case .created(let id, let originalKey, let jobID):
            return Outcome(imageID: id, duplicate: false, sha256: sha256, bytes: file.byteCount, mime: type.mimeType,
                           width: header.uprightWidth, height: header.uprightHeight, jobID: jobID, originalKey: originalKey)
        case .existing(let existing):
            // A concurrent upload of the same bytes won: answer with theirs.
            guard let record = try await images.find(existing) else {
                throw APIError.conflict("the same file was erased while this upload was stored; retry", code: "upload_in_progress")
            }
            let jobID = try await attach(record, upload)
            try await markIntentUsed(upload.intentID, imageID: existing)
            return Outcome(imageID: existing, duplicate: true, sha256: sha256, bytes: file.byteCount, mime: type.mimeType,
                           width: header.uprightWidth, height: header.uprightHeight, jobID: jobID,
                           originalKey: record.originalKey, existing: record)
        }
    }

    /// 415 `polyglot` for an image or document carrying a ZIP archive or runnable markup
    /// (`PolyglotScan`).
    func refusePolyglot(_ url: URL, what: String = "image") throws {
        let bytes = try Data(contentsOf: url, options: .alwaysMapped)
        if let found = bytes.withUnsafeBytes(PolyglotScan.find) {
            throw APIError(status: 415, code: "polyglot",
                           message: "the file carries \(found) besides the \(what); upload the \(what) on its own")
        }
    }

    /// The same bytes again: the image joins the upload's report (on its timeline, connecting it
    /// to the image's other reports: `report.linked`), and an upload asking for blurred faces (or
    /// the public gallery) gets them — the image is processed again for that. Returns that job.
    private func attach(_ image: ImageRecord, _ upload: Upload) async throws -> Int64? {
        let links = ReportLinkRepository(client: client, logger: logger)
        let blur = (upload.blurFaces || upload.isPublic) && !image.blurFaces
        return try await client.withTransaction(logger: logger) { connection -> Int64? in
            if try await joinReport(image.id, upload, onTimeline: true, on: connection) == .added {
                let fresh = try await links.recordSameImage(image.id, on: connection)
                try await timeline.announce(fresh, observer: linkObserver, correlationID: upload.requestID, on: connection)
            }
            guard blur else { return nil }
            // A visitor's copy of the bytes may ask for blurring, never make someone's image public.
            try await images.requireBlurredFaces(image.id, isPublic: upload.isPublic && upload.contributor.role != .anonymous,
                                                 on: connection)
            let job = ImageJob.process(image: image.id).newJob(correlationID: upload.requestID, requestedBy: upload.requestedBy)
            let jobID = try await queue.enqueue(job, on: connection).jobID
            try await images.markQueued(image.id, on: connection)
            return jobID
        }
    }

    /// What an upload did to its report.
    public enum ReportMembership: Sendable, Equatable {
        case none, added, pending, unchanged
    }

    /// Puts the image in the upload's report as its contributor may (issue 22): at once for an
    /// admin or the report's creator (a new report is created for the uploader), else pending
    /// until an admin approves it. Every addition to a report that existed before is audited,
    /// in the same transaction.
    func joinReport(_ imageID: UUID, _ upload: Upload, onTimeline: Bool, on connection: PostgresConnection) async throws
        -> ReportMembership
    {
        guard let report = upload.reportID else { return .none }
        let links = ReportLinkRepository(client: client, logger: logger)
        let claim = try await claimReport(report, for: upload.contributor, on: connection)
        let membership: ReportMembership
        if claim.direct {
            membership = try await links.add(imageID, to: report, by: upload.requestedBy, requestID: upload.requestID,
                                             blurFaces: upload.blurFaces, on: connection) ? .added : .unchanged
            if membership == .added, onTimeline {
                try await timeline.append(.addedToReport(report: report, blurFaces: upload.blurFaces, requestID: upload.requestID),
                                          imageID: imageID, on: connection)
            }
        } else {
            membership = try await links.addPending(imageID, to: report, by: upload.requestedBy, requestID: upload.requestID,
                                                    blurFaces: upload.blurFaces, on: connection) ? .pending : .unchanged
            if membership == .pending {
                try await timeline.append(.reportPending(report: report, requestID: upload.requestID), imageID: imageID, on: connection)
            }
        }
        if !claim.created || membership == .pending, membership != .unchanged {
            try await auditAddition(to: report, upload, data: #"{"image":"\#(imageID.uuidString.lowercased())","pending":\#(membership == .pending)}"#,
                                    on: connection)
        }
        return membership
    }

    /// The report as `contributor` finds it (created for them if new) and whether their
    /// addition counts at once: an admin's, or the creator's — never an anonymous caller's,
    /// who share one id and so own nothing (else the first anonymous upload to a predictable id
    /// would own the report the platform approves later).
    func claimReport(_ report: String, for contributor: ReportContributor, on connection: PostgresConnection) async throws
        -> (created: Bool, direct: Bool)
    {
        let claim = try await ReportLinkRepository(client: client, logger: logger).claim(report, creator: contributor.id, on: connection)
        let direct = (claim.created && contributor.id != nil) || policy.addsDirectly(contributor, toReportCreatedBy: claim.createdBy)
        return (claim.created, direct)
    }

    /// `report_evidence_added`, in the transaction that adds it.
    func auditAddition(to report: String, _ upload: Upload, data: String, on connection: PostgresConnection) async throws {
        let contributor = upload.contributor
        try await AuditRepository(client: client, logger: logger).append(.init(
            actor: contributor.actor, role: contributor.role.rawValue, address: contributor.address, action: .reportEvidenceAdded,
            target: "report:\(report)", requestID: upload.requestID, data: data), on: connection)
    }

    /// Returns a reason when the scan was skipped (scanner down and policy says accept).
    func scan(_ file: UploadSpooler, sha256: String, upload: Upload) async throws -> String? {
        guard let scanning else { return nil }
        do {
            if case .infected(let signature) = try await scanning.scanner.scan(fileAt: file.url) {
                logger.warning("upload failed virus scan", metadata: [
                    "signature": "\(signature)", "sha256": "\(sha256)", "request_id": "\(upload.requestID ?? "")",
                ])
                try? await timeline.append(
                    .virusDetected(signature: signature, sha256: sha256, filename: upload.filename ?? "", requestID: upload.requestID),
                    imageID: nil)
                // 400, as seed 000 says: the request carried a file that may not be stored.
                throw APIError(status: 400, code: "virus_detected", message: "file failed virus scan")
            }
            return nil
        } catch let error as ScanError {
            if case .sizeLimitExceeded = error {
                throw APIError(status: 413, code: "file_too_large", message: "file exceeds the virus scanner's size limit")
            }
            // A timeout out of the scan queue means clamd is up (it answered PING) but did not
            // finish this file in any of its attempts: busy, not down.
            let busy = error == .timeout
            logger.error(busy ? "virus scanner busy" : "virus scanner unavailable", metadata: ["error": "\(error)"])
            guard scanning.whenUnavailable == .accept else {
                throw busy
                    ? APIError(status: 503, code: "scanner_busy",
                               message: "the virus scanner is up but too busy to scan this file now; try again shortly", retryAfterSeconds: 10)
                    : APIError(status: 503, code: "scanner_unavailable",
                               message: "the virus scanner is unavailable; try again later", retryAfterSeconds: 30)
            }
            return busy ? "scanner busy: \(error)" : "scanner unavailable: \(error)"
        }
    }

    /// Header limits first (no decode), then a full decode that catches truncated files. Runs
    /// on NIO's blocking pool: libvips work must not occupy the async executor's threads.
    private func validate(_ url: URL, type: MediaType) async throws -> ImageHeader {
        let limits = ImageLimits(maxWidth: config.maxDimension, maxHeight: config.maxDimension, maxPixels: config.maxPixels)
        let minimum = config.minDimension
        let header: ImageHeader
        do {
            header = try await ImagingThreads.run {
                try ImageValidator.validate(fileAt: url.path, limits: limits)
            }
        } catch let error as ImagingError {
            switch error {
            case .tooLarge(let width, let height):
                throw APIError(status: 413, code: "too_many_pixels",
                               message: "image is \(width)×\(height); the limit is \(limits.maxWidth)×\(limits.maxHeight) and \(limits.maxPixels) pixels")
            case .unsupportedFormat:
                throw APIError(status: 415, code: "unsupported_type", message: "file is not a supported image")
            default:
                throw APIError(status: 422, code: "corrupt_image", message: "the image cannot be decoded (corrupt or truncated)")
            }
        }
        guard header.width >= minimum, header.height >= minimum else {
            throw APIError(status: 422, code: "too_small",
                           message: "image is \(header.width)×\(header.height); the minimum is \(minimum)×\(minimum)")
        }
        return header
    }

    private func markIntentUsed(_ intent: UUID?, imageID: UUID) async throws {
        guard let intent else { return }
        let used = try await client.withTransaction(logger: logger) { try await intents.markUsed(intent, imageID: imageID, on: $0) }
        if !used { throw APIError.conflict("this upload URL was already used", code: "upload_used") }
    }
}
