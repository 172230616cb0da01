import App
import ArgumentParser
import Faces
import FacepipeCore
import Foundation
import Imaging
import Logging
import NIOPosix
import Persistence
import Pipeline
import PostgresNIO

/// `facepipe bench faces`: detection and embedding latency, process_image with faces on a
/// folder of photos, and pgvector face search latency and recall@10 on synthetic vectors
/// (FaceSearchBench.swift).
struct FacesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "faces", abstract: "Face detection, embedding, pipeline and search figures.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Folder of photos (make bench-imaging fills .deps/testdata/bench-12mp).") var dir = ".deps/testdata/bench-12mp"
    @Option(parsing: .upToNextOption, help: "Synthetic vector counts for the search benchmark.") var vectors: [Int] = [100_000]
    @Option(help: "Search queries per size.") var queries = 100
    @Flag(inversion: .prefixedNo, help: "Also build the HNSW index searches used before migration 20 and measure it in the same run.")
    var hnswBaseline = true
    @Option(parsing: .upToNextOption, help: "HNSW ef_search values for the baseline (400 was the one searches used).")
    var efSearch: [Int] = [400]
    @Option(help: "HNSW options for the baseline instead of migration 3's, e.g. \"m = 32, ef_construction = 256\".") var indexWith: String?
    @Option(help: "Synthetic vectors: faces (identities photographed several times, shaped like dlib embeddings) or uniform (random directions, a worst case).")
    var distribution: VectorDistribution = .faces
    @Flag(help: "Only the face search figures (no photos needed).") var searchOnly = false
    @Option(help: "Images processed at once in the pipeline run.") var workers = ProcessInfo.processInfo.activeProcessorCount

    func run() async throws {
        let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
        if searchOnly {
            for count in vectors where count > 0 { try await searchBenchmark(count: count, config: config, logger: logger) }
            return
        }
        try VipsRuntime.start()
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".jpg") }.sorted()
        guard !files.isEmpty else { throw ValidationError("no images in \(dir): run `make bench-imaging` first or pass --dir") }
        let photos = try files.map { try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent($0)) }
        let detector = try CenterFaceDetector(runtime: ONNXRuntime(libraryPath: config.faces.onnxRuntimeLibrary),
                                              modelPath: config.faces.detectorModel)
        let embedder = try DlibFaceEmbedder(modelDirectory: config.faces.embedderModels)
        print("faces benchmark: \(photos.count) photos from \(dir), \(ProcessInfo.processInfo.activeProcessorCount) cores")

        var detectMs = Samples(), embedMs = Samples()
        for bytes in photos {
            let decoded = try DecodedImage(bytes, maxDimension: 640)
            let start = ContinuousClock.now
            let faces = try detector.detect(decoded)
            detectMs.add(seconds(ContinuousClock.now - start) * 1000)
            let pixels = try decoded.rgb(maxDimension: 640)
            for face in faces {
                let start = ContinuousClock.now
                _ = try embedder.embed(pixels, faces: [face.box])
                embedMs.add(seconds(ContinuousClock.now - start) * 1000)
            }
        }
        print("detection (640 px, 1 thread): p50 \(format(detectMs.median)) ms, p95 \(format(detectMs.percentile(95))) ms")
        print("embedding (dlib ResNet): p50 \(format(embedMs.median)) ms/face, p95 \(format(embedMs.percentile(95))) ms over \(embedMs.values.count) faces")

        try stageBreakdown(photos, detector: detector)

        let detection = ImageAnalysis.FaceDetector(detector: detector, minConfidence: config.faces.minConfidence)
        let pool = NIOThreadPool(numberOfThreads: workers)
        pool.start()
        let detectOnly = try await pipelineRate(photos, pool: pool) { bytes in _ = try ImageAnalysis.run(bytes, faces: detection) }
        print("process_image with faces (decode, thumbnails, hashes, detection, crops; \(workers) workers): \(format(detectOnly)) images/s median of 3")
        let full = try await pipelineRate(photos, pool: pool) { bytes in
            // What the embed job does: each face from its stored crop.
            for (face, crop) in try ImageAnalysis.run(bytes, faces: detection).faceCrops {
                guard let box = face.faceInCrop else { continue }
                _ = try FaceEmbedding.embed(crop: crop.data, faceInCrop: box, embedder: embedder)
            }
        }
        print("process_image + embed_faces (embeddings from the face crops; \(workers) workers): \(format(full)) images/s median of 3")
        try await pool.shutdownGracefully()

        for count in vectors where count > 0 { try await searchBenchmark(count: count, config: config, logger: logger) }
    }

    /// Images/s over the folder, `workers` at a time; the median of 3 passes.
    func pipelineRate(_ photos: [Data], pool: NIOThreadPool, _ work: @escaping @Sendable (Data) throws -> Void) async throws -> Double {
        var rates = Samples()
        for _ in 0..<3 {
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                func add() {
                    let bytes = photos[next]
                    next += 1
                    group.addTask { try await pool.runIfActive { try work(bytes) } }
                }
                for _ in 0..<min(workers, photos.count) { add() }
                while try await group.next() != nil { if next < photos.count { add() } }
            }
            rates.add(Double(photos.count) / seconds(ContinuousClock.now - start))
        }
        return rates.median
    }

    /// Where process_image spends its time, one image at a time on one thread (medians).
    func stageBreakdown(_ photos: [Data], detector: CenterFaceDetector) throws {
        var decode = Samples(), thumbnails = Samples(), view = Samples(), hashes = Samples(), detect = Samples()
        func timed<T>(_ samples: inout Samples, _ work: () throws -> T) rethrows -> T {
            let start = ContinuousClock.now
            defer { samples.add(seconds(ContinuousClock.now - start) * 1000) }
            return try work()
        }
        for bytes in photos {
            let decoded = try timed(&decode) {
                try DecodedImage(bytes, maxDimension: ImageAnalysis.decodeSize(try ImageProbe.probe(bytes)))
            }
            _ = try timed(&thumbnails) { try ImageAnalysis.thumbnails(of: decoded, quality: 80) }
            _ = try timed(&view) { try ImageAnalysis.view(of: decoded, quality: 80) }
            _ = try timed(&hashes) { try ImageAnalysis.hashes(of: decoded) }

            _ = try timed(&detect) { try detector.detect(decoded) }
        }
        print("process_image stages (1 thread, median ms/image): decode \(format(decode.median)), thumbnails \(format(thumbnails.median)) (p95 \(format(thumbnails.percentile(95)))), whole-picture view \(format(view.median)) (p95 \(format(view.percentile(95)))), hashes \(format(hashes.median)), face detection \(format(detect.median))")
    }
}
