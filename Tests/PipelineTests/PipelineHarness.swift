import FacepipeCore
import Foundation
import Faces
import Imaging
import Ingest
import Logging
import Persistence
import Pipeline
import PostgresNIO
import Queue
import Storage
import TestSupport

/// Ingests images into a scratch database and a temporary media root, then runs the
/// process_image jobs through the real handler.
struct PipelineHarness {
    let client: DatabaseClient
    let store: LocalMediaStore
    let mediaRoot: URL
    let ingest: IngestService
    let queue: JobQueue
    let handler: ProcessImageHandler
    let detection: ImageAnalysis.FaceDetector?

    static func run(faces: Bool = false, _ body: @escaping @Sendable (PipelineHarness) async throws -> Void) async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-pipeline-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: base) }
            let root = base.appendingPathComponent("media")
            let store = try LocalMediaStore(root: root)
            let logger = TestDatabase.logger
            let queue = JobQueue(client: client, logger: logger)
            let ingest = IngestService(config: IngestConfig(), store: store, scanning: nil, client: client, queue: queue,
                                       spoolDirectory: base.appendingPathComponent("spool"), logger: logger)
            var detection: ImageAnalysis.FaceDetector?
            if faces {
                let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                let detector = try CenterFaceDetector(
                    runtime: try ONNXRuntime(libraryPath: root.appendingPathComponent(ONNXRuntime.defaultLibraryPath).path),
                    modelPath: root.appendingPathComponent(CenterFaceDetector.defaultModelPath).path)
                detection = ImageAnalysis.FaceDetector(detector: detector, minConfidence: 0.5)
            }
            let handler = ProcessImageHandler(client: client, store: store, index: DuplicateIndex(),
                                              config: ProcessingConfig(), logger: logger, faces: detection)
            try await body(PipelineHarness(client: client, store: store, mediaRoot: root, ingest: ingest, queue: queue, handler: handler,
                                           detection: detection))
        }
    }

    /// Uploads bytes as a client would; returns the image id.
    func upload(_ data: Data, filename: String, blurFaces: Bool = false) async throws -> UUID {
        let spooler = try ingest.makeSpooler(for: Caller(role: .standard, credential: .apiKey(id: "pipeline-test")))
        try spooler.append(Array(data))
        return try await ingest.ingest(spooler, .init(filename: filename, declaredType: nil, reportID: nil, blurFaces: blurFaces,
                                                      requestID: "test")).imageID
    }

    /// Runs queued anonymize jobs.
    func anonymizeAll() async throws {
        guard let detection else { return }
        let anonymizer = AnonymizeHandler(client: client, store: store, faces: detection, logger: TestDatabase.logger)
        while let job = try await queue.claim(worker: "test", kinds: [JobKind.anonymize.rawValue], limit: 1, leaseSeconds: 60).first {
            try await anonymizer.handle(job, context: JobContext(logger: TestDatabase.logger, workerID: "test"))
            try await queue.complete([job.id], worker: "test")
        }
    }

    /// Runs every queued process_image job, one at a time, as a worker would.
    func processAll() async throws {
        while let job = try await queue.claim(worker: "test", kinds: [JobKind.processImage.rawValue], limit: 1, leaseSeconds: 60).first {
            do {
                try await handler.handle(job, context: JobContext(logger: TestDatabase.logger, workerID: "test"))
                try await queue.complete([job.id], worker: "test")
            } catch {
                // As the worker pool does: the handler hears of the final failure once the queue has it.
                if try await queue.fail(job.id, worker: "test", error: "\(error)", retryDelayMilliseconds: 0, permanent: true) == .failed {
                    try await handler.failedForGood(job, error: "\(error)", context: JobContext(logger: TestDatabase.logger, workerID: "test"))
                }
                throw error
            }
        }
    }

    func image(_ id: UUID) async throws -> ImageRecord {
        guard let image = try await ImageRepository(client: client, logger: TestDatabase.logger).find(id) else {
            throw TestSetupError("image \(id) missing")
        }
        return image
    }

    func pairs(_ id: UUID) async throws -> [DuplicatePair] {
        try await DuplicateRepository(client: client, logger: TestDatabase.logger).forImage(id)
    }

    func bytes(_ key: String) async throws -> Data {
        guard let buffer = try await store.get(try MediaKey(key)) else { throw TestSetupError("no object \(key)") }
        return Data(buffer.readableBytesView)
    }
}

/// Photo-like synthetic images: smooth colour fields and shapes (perceptual hashes need
/// low-frequency structure; random noise would make every image look alike to them).
enum SyntheticPhoto {
    static func make(width: Int = 640, height: Int = 480, seed: Int) -> RGBPixels {
        var generator = SplitMix64(seed: UInt64(seed))
        func random(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + Double(generator.next() % 10_000) / 10_000 * (range.upperBound - range.lowerBound)
        }
        let waves = (0..<3).map { _ in (random(1...4), random(1...4), random(0...6.28)) }
        let discs = (0..<5).map { _ in (random(0...1), random(0...1), random(0.05...0.2), random(0...255)) }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let u = Double(x) / Double(width), v = Double(y) / Double(height)
                for channel in 0..<3 {
                    let (fx, fy, phase) = waves[channel]
                    var value = 128 + 90 * sin(2 * .pi * (fx * u + fy * v) + phase)
                    for (cx, cy, r, shade) in discs where (u - cx) * (u - cx) + (v - cy) * (v - cy) < r * r {
                        value = (value + shade) / 2
                    }
                    pixels[(y * width + x) * 3 + channel] = UInt8(max(0, min(255, value)))
                }
            }
        }
        return RGBPixels(width: width, height: height, pixels: pixels)
    }

    static func brightened(_ image: RGBPixels, by amount: Int) -> RGBPixels {
        RGBPixels(width: image.width, height: image.height,
                  pixels: image.pixels.map { UInt8(max(0, min(255, Int($0) + amount))) })
    }
}
