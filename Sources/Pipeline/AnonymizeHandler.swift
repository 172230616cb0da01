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

/// The `anonymize` job: faces masked at full resolution (blur by default; payload may choose
/// `{"mode":"blur|solid|mosaic|none","shape":"ellipse|box","maskScale":1.3,"mosaicSize":20}`),
/// written without metadata to `processed/{id}.webp`, then checked: the detector runs again on
/// the output and the number of faces still found is recorded (it must be 0).
public struct AnonymizeHandler: JobHandler {
    struct Payload: Decodable {
        var mode: String?
        var shape: String?
        var maskScale: Double?
        var mosaicSize: Int?
    }

    let client: PostgresClient
    let store: any MediaStore
    let faces: ImageAnalysis.FaceDetection
    let logger: Logger

    public init(client: PostgresClient, store: any MediaStore, faces: ImageAnalysis.FaceDetection, logger: Logger) {
        self.client = client
        self.store = store
        self.faces = faces
        self.logger = logger
    }

    public func handle(_ job: ClaimedJob, context: JobContext) async throws {
        guard let id = job.imageID, let image = try await ImageRepository(client: client, logger: logger).find(id) else {
            throw PermanentJobError("image \(job.imageID?.uuidString ?? "(none)") no longer exists")
        }
        let payload = (try? job.decodePayload(Payload.self)) ?? Payload()
        let options = try Self.options(payload)
        guard let buffer = try await store.get(try MediaKey(image.originalKey), maxBytes: 1 << 30) else {
            throw PermanentJobError("original \(image.originalKey) is missing from the media store")
        }
        let bytes = Data(buffer.readableBytesView)
        let detection = faces
        let (output, masked, remaining) = try await ImagingThreads.run {
            let decoded = try DecodedImage(bytes, maxDimension: 1 << 16, limits: .unlimited)
            let found = try detection.detector.detect(decoded, threshold: Float(detection.minConfidence))
            let boxes = found.map { (x: Double($0.box.x), y: Double($0.box.y), width: Double($0.box.width),
                                     height: Double($0.box.height), score: Double($0.score)) }
            let output = try Anonymizer.anonymize(decoded, faces: boxes, options: options, as: .webp(quality: 85))
            let check = try DecodedImage(output.data, maxDimension: 1 << 16, limits: .unlimited)
            let left = try detection.detector.detect(check, threshold: Float(detection.minConfidence))
            return (output, found.count, left.count)
        }
        let key = try MediaKey.processed(id: id, ext: "webp")
        let processing = ProcessingRepository(client: client, logger: logger)
        try await client.withTransaction(logger: logger) { connection in
            // As process_image: the row is held while the file is written, so erasure cannot miss it.
            guard try await processing.lock(id, on: connection) else {
                throw PermanentJobError("image \(id) was erased while it was being anonymized")
            }
            try await store.put(key, data: output.data, contentType: "image/webp")
            try await ImageFileRepository(client: client, logger: logger).record(id, [(.processed, key.rawValue)], on: connection)
            try await processing.saveAnonymized(id, key: key.rawValue, masked: masked, remaining: remaining, jobID: job.id, on: connection)
        }
        if remaining > 0 {
            context.logger.warning("anonymized image still shows faces", metadata: ["image_id": "\(id)", "remaining": "\(remaining)"])
        }
    }

    static func options(_ payload: Payload) throws -> AnonymizationOptions {
        let mode: AnonymizationOptions.Mode
        switch payload.mode ?? "blur" {
        case "blur": mode = .blur
        case "solid": mode = .solid
        case "mosaic": mode = .mosaic(tileSize: payload.mosaicSize ?? 20)
        case "none": mode = .none
        case let other: throw PermanentJobError("unknown anonymization mode \(other)")
        }
        return AnonymizationOptions(mode: mode, shape: payload.shape == "box" ? .box : .ellipse, maskScale: payload.maskScale ?? 1.3)
    }
}
