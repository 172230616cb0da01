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
/// folder of photos, and pgvector face search latency and recall@10 on synthetic vectors.
struct FacesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "faces", abstract: "Face detection, embedding, pipeline and search figures.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Folder of photos (make bench-imaging fills .deps/testdata/bench-12mp).") var dir = ".deps/testdata/bench-12mp"
    @Option(parsing: .upToNextOption, help: "Synthetic vector counts for the search benchmark.") var vectors: [Int] = [100_000]
    @Option(help: "Search queries per size.") var queries = 100
    @Option(help: "Images processed at once in the pipeline run.") var workers = ProcessInfo.processInfo.activeProcessorCount

    func run() async throws {
        let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
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

        let detection = ImageAnalysis.FaceDetection(detector: detector, minConfidence: config.faces.minConfidence)
        let pool = NIOThreadPool(numberOfThreads: workers)
        pool.start()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                let bytes = photos[next]
                next += 1
                group.addTask { _ = try await pool.runIfActive { try ImageAnalysis.run(bytes, faces: detection) } }
            }
            for _ in 0..<min(workers, photos.count) { add() }
            while try await group.next() != nil { if next < photos.count { add() } }
        }
        try await pool.shutdownGracefully()
        print("process_image with faces (decode, thumbnails, hashes, detection, crops; \(workers) workers): \(format(Double(photos.count) / seconds(ContinuousClock.now - start))) images/s")

        for count in vectors { try await searchBenchmark(count: count, config: config, logger: logger) }
    }

    /// Random vectors in a scratch database: HNSW (cosine) top-10 latency and recall against exact search.
    func searchBenchmark(count: Int, config: AppConfig, logger: Logger) async throws {
        try await withScratchDatabase("facepipe_bench_faces", config: config, logger: logger) { url in
            try await Database.withClient(url: url, poolSize: 4, logger: logger) { client in
                _ = try await Migrator().migrate(client, logger: logger)
                let loadStart = ContinuousClock.now
                try await client.query("DROP INDEX face_detections_embedding")
                try await client.query("""
                    INSERT INTO images (id, sha256, mime, bytes, original_key, status)
                    VALUES ('00000000-0000-0000-0000-000000000001', repeat('0', 64), 'image/jpeg', 0, 'x', 'done')
                    """)
                try await client.query("""
                    INSERT INTO face_detections (image_id, face_index, bbox, confidence, embedding)
                    SELECT '00000000-0000-0000-0000-000000000001', g, '{}', 1,
                           (SELECT array_agg(random()::real - 0.5) FROM generate_series(1, 128) WHERE g > 0)::vector(128)
                    FROM generate_series(1, \(count)) AS g
                    """)
                try await client.query("SET maintenance_work_mem = '512MB'")
                try await client.query(
                    "CREATE INDEX face_detections_embedding ON face_detections USING hnsw (embedding vector_cosine_ops)")
                let loaded = seconds(ContinuousClock.now - loadStart)
                let queryVectors = (0..<queries).map { _ in
                    "[" + (0..<128).map { _ in String(Float.random(in: -0.5...0.5)) }.joined(separator: ",") + "]"
                }
                var exact: [[Int]] = []
                for query in queryVectors { exact.append(try await ids(client, query: query, exact: true, efSearch: 40)) }
                print("face search, \(count) random 128-d vectors (load + HNSW build \(format(loaded)) s):")
                for efSearch in [40, FaceRepository.efSearch] {
                    var latency = Samples()
                    var recall = 0.0
                    for (query, truth) in zip(queryVectors, exact) {
                        let start = ContinuousClock.now
                        let approximate = try await ids(client, query: query, exact: false, efSearch: efSearch)
                        latency.add(seconds(ContinuousClock.now - start) * 1000)
                        recall += Double(Set(approximate).intersection(truth).count) / Double(max(truth.count, 1))
                    }
                    print("  ef_search \(efSearch)\(efSearch == FaceRepository.efSearch ? " (facepipe)" : " (pgvector default)"): top-10 p50 \(format(latency.median, 2)) ms, p95 \(format(latency.percentile(95), 2)) ms, recall@10 \(format(recall / Double(queries), 3)) vs exact")
                }
            }
        }
    }

    func ids(_ client: PostgresClient, query: String, exact: Bool, efSearch: Int) async throws -> [Int] {
        let logger = Logger(label: "bench")
        return try await client.withTransaction(logger: logger) { connection in
            if exact { try await connection.query("SET LOCAL enable_indexscan = off", logger: logger) }
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL hnsw.ef_search = \(efSearch)"), logger: logger)
            var result: [Int] = []
            let rows = try await connection.query(
                "SELECT face_index FROM face_detections ORDER BY embedding <=> \(query)::vector LIMIT 10", logger: logger)
            for try await index in rows.decode(Int.self) { result.append(index) }
            return result
        }
    }
}
