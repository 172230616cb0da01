import Catalog
import FacepipeCore
import Foundation
import Imaging
import Logging
import NIOPosix
import Persistence
import PostgresNIO
import Queue
import Storage

/// The `process_image` job: thumbnails, safe metadata, perceptual hashes, near-duplicate pairs,
/// then the image is `done` (or `failed` once retries are used up). Idempotent: a re-run
/// overwrites the same thumbnail keys and upserts the same pairs.
public struct ProcessImageHandler: JobHandler {
    let client: DatabaseClient
    let store: any MediaStore
    let index: DuplicateIndex
    let config: ProcessingConfig
    let observer: (any ProcessingObserver)?
    let faces: ImageAnalysis.FaceDetector?
    let embedFaces: Bool
    /// The queue follow-up jobs go to (the configured one, so they get `QUEUE_MAX_ATTEMPTS`).
    let queue: JobQueue?
    /// The anonymized copy made for uploads that asked for `blurFaces`.
    let anonymizeDefault: AnonymizeSettings
    let logger: Logger

    /// - Parameter observer: told about each final outcome inside the transaction that records
    ///   it (e.g. to enqueue webhooks atomically with the result).
    /// - Parameter faces: face detection for every image; nil leaves faces unknown.
    public init(client: DatabaseClient, store: any MediaStore, index: DuplicateIndex, config: ProcessingConfig, logger: Logger,
                observer: (any ProcessingObserver)? = nil, faces: ImageAnalysis.FaceDetector? = nil, embedFaces: Bool = false,
                queue: JobQueue? = nil, anonymizeDefault: AnonymizeSettings = .seed002) {
        self.queue = queue
        self.anonymizeDefault = anonymizeDefault
        self.faces = faces
        self.embedFaces = embedFaces
        self.client = client
        self.store = store
        self.index = index
        self.config = config
        self.observer = observer
        self.logger = logger
    }

    public func handle(_ job: ClaimedJob, context: JobContext) async throws {
        let images = ImageRepository(client: client, logger: logger)
        let processing = ProcessingRepository(client: client, logger: logger)
        let timeline = TimelineRepository(client: client, logger: logger)
        guard let id = job.imageID, let image = try await images.find(id) else {
            throw PermanentJobError("image \(job.imageID?.uuidString ?? "(none)") no longer exists")
        }
        try await processing.markProcessing(id, jobID: job.id)
        let analysis = try await analyse(image)
        try await index.refresh(from: processing, erasures: ErasureRepository(client: client, logger: logger))
        let duplicates = await index.matches(for: analysis.hashes, keys: analysis.lookupKeys, excluding: id)
        let queue = self.queue ?? JobQueue(client: client, defaultMaxAttempts: job.maxAttempts, logger: logger)
        let catalog = Catalog(client: client, store: store, queue: queue, logger: logger)
        let stored: Void? = try await catalog.withImageLocked(image) { writer, connection in
            let result = try await store(analysis, with: writer)
            try await processing.saveResults(id, result, duplicates: duplicates, on: connection)
            try await timeline.append(
                .processed(thumbnails: result.thumbnails.count, phash: PerceptualHash.hex(analysis.hashes.phash),
                           pdqQuality: analysis.hashes.pdqQuality, duplicates: duplicates.count),
                imageID: id, jobID: job.id, on: connection)
            // Near-duplicates in other reports connect them (one report.linked per new connection).
            let linked = try await ReportLinkRepository(client: client, logger: logger).recordNearDuplicates(
                id, others: duplicates.map(\.otherImageID), strengths: duplicates.map(\.strength), on: connection)
            try await timeline.announce(linked, observer: observer, correlationID: job.correlationID, on: connection)
            if image.blurFaces, self.faces != nil {
                _ = try await AnonymizeRequests(queue: queue, client: client, logger: logger).request(
                    id, anonymizeDefault, correlationID: job.correlationID, requestedBy: job.requestedBy, on: connection)
            }
            if embedFaces, let faces = result.faces, !faces.isEmpty {
                try await queue.enqueue(
                    ImageJob.embed(image: id).newJob(correlationID: job.correlationID, requestedBy: job.requestedBy), on: connection)
            }
            try await observer?.processed(image, result, duplicates: duplicates, job: job, on: connection)
        }
        guard stored != nil else { throw PermanentJobError("image \(id) was erased while it was being processed") }
        await index.insert(id, analysis.fingerprint)
        context.logger.info("image processed", metadata: ["image_id": "\(id)", "duplicates": "\(duplicates.count)"])
    }

    /// The image is `failed` with the error, on its timeline, and the webhook says so.
    public func failedForGood(_ job: ClaimedJob, error message: String, context: JobContext) async throws {
        guard let id = job.imageID, let image = try await ImageRepository(client: client, logger: logger).find(id) else { return }
        try await client.withTransaction(logger: logger) { connection in
            guard try await ProcessingRepository(client: client, logger: logger).markFailed(id, error: message, on: connection) else { return }
            try await TimelineRepository(client: client, logger: logger).append(.failed(error: message), imageID: id, jobID: job.id,
                                                                                on: connection)
            try await observer?.failed(image, error: message, job: job, on: connection)
        }
    }

    /// Decodes the original once and computes everything from its pixels (no writes).
    func analyse(_ image: ImageRecord) async throws -> ImageAnalysis {
        let bytes = try await store.required(image.originalKey, "original")
        let quality = config.thumbnailQuality
        let faces = self.faces
        do {
            return try await ImagingThreads.run {
                try ImageAnalysis.run(bytes, thumbnailQuality: quality, faces: faces, anonymizeThumbnails: image.blurFaces)
            }
        } catch let error as ImagingError {
            // Ingest validated it, so a decode failure now will not go away on retry.
            throw PermanentJobError("cannot process image: \(error)")
        }
    }

    /// Writes the thumbnails and face crops through the writer of the held image row (each is
    /// recorded in `image_files` as it is written). A re-run overwrites the same keys.
    func store(_ analysis: ImageAnalysis, with writer: ImageWriter) async throws -> ProcessingResult {
        var thumbnails: [String: String] = [:]
        for thumbnail in analysis.thumbnails {
            // WebP squares; the whole-picture view is JPEG.
            let jpeg = thumbnail.image.format == .jpeg
            thumbnails[thumbnail.name] = try await writer.put(.thumbnail(name: thumbnail.name, fileExtension: jpeg ? "jpg" : "webp"),
                                                              data: thumbnail.image.data, contentType: thumbnail.image.format.mimeType)
        }
        var detected: [DetectedFace]?
        if let found = analysis.faces {
            detected = []
            for item in found {
                // Face crops are private (not under thumbnails/ or processed/): only signed URLs reach them.
                var face = item.face
                face.cropKey = try await writer.put(.faceCrop(index: item.face.index), data: item.crop.data, contentType: MediaType.webp.mimeType)
                detected?.append(face)
            }
        }
        let metadata = String(decoding: try JSONEncoder().encode(analysis.header.metadata), as: UTF8.self)
        return ProcessingResult(width: analysis.header.uprightWidth, height: analysis.header.uprightHeight,
                                thumbnails: thumbnails, safeMetadata: metadata, hashes: analysis.hashes, faces: detected,
                                regionHashes: analysis.fingerprint.regions)
    }
}

/// Hooks for what happens when an image is finished (webhooks, notifications), including the
/// report connections its processing finds.
public protocol ProcessingObserver: ReportLinkObserver {
    func processed(_ image: ImageRecord, _ result: ProcessingResult, duplicates: [DuplicateMatch], job: ClaimedJob,
                   on connection: PostgresConnection) async throws
    func failed(_ image: ImageRecord, error: String, job: ClaimedJob, on connection: PostgresConnection) async throws
}
