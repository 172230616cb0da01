import App
import ArgumentParser
import AsyncHTTPClient
import Faces
import FacepipeCore
import Foundation
import Imaging
import NIOCore
import Pipeline

/// `facepipe bench face-search`: what `POST /search/face` costs, whole (upload, decode, detect,
/// embed, query, audit), against a real `facepipe serve` whose approved report holds the
/// labelled faces (`scripts/fetch-test-photos.sh --faces`), for two kinds of query photo:
///  - messenger-size: the test photos as they are (0.6–3.3 MP, what chat apps and profile
///    pages pass on);
///  - phone-size: the same photos as 12 MP JPEGs (`--bench` set), a camera original.
/// In process, the detect-and-embed step as the service runs it (`FaceEmbedding.query`, the
/// search's 2-thread detector) is timed against the way it ran before (decode at up to 1600 px,
/// the workers' 1-thread detector, embed from that decode) on the same photos, alternated, as
/// the baseline; and where the time goes.
struct FaceSearchRequestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "face-search", abstract: "POST /search/face latency per query photo size.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Rounds over the query photos.") var rounds = 20
    @Option(help: "The test photos (scripts/fetch-test-photos.sh).") var photos = ".deps/testdata/photos"
    @Option(help: "The 12 MP photos (scripts/fetch-test-photos.sh --bench).") var bench = ".deps/testdata/bench-12mp"
    @Option(help: "The labelled faces the server indexes (scripts/fetch-test-photos.sh --faces).") var faces = ".deps/testdata/faces"

    struct QueryPhoto {
        var name: String
        var kind: String
        var bytes: Data
    }

    func run() async throws {
        let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
        try VipsRuntime.start()
        let detector = try CenterFaceDetector(runtime: ONNXRuntime(libraryPath: config.faces.onnxRuntimeLibrary),
                                              modelPath: config.faces.detectorModel,
                                              configuration: .init(detectionSize: config.faces.detectionSize,
                                                                   threshold: Float(config.faces.minConfidence)))
        // The service's own search session runs on two threads (Runtime.makeSearchDetector).
        let searchDetector = try CenterFaceDetector(runtime: ONNXRuntime(libraryPath: config.faces.onnxRuntimeLibrary),
                                                    modelPath: config.faces.detectorModel, intraOpThreads: 2,
                                                    configuration: detector.configuration)
        let embedder = try DlibFaceEmbedder(modelDirectory: config.faces.embedderModels)
        var queries: [QueryPhoto] = []
        for (folder, kind, names) in [
            (photos, "messenger-size", ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "astronaut.png"]),
            (bench, "phone-size 12 MP", ["bench-001-obama.jpg", "bench-003-astronaut.jpg", "bench-005-biden.jpg", "bench-007-obama3.jpg"]),
        ] {
            for name in names {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(name))
                // Only one-face photos make a search; say so rather than time an error answer.
                guard try FaceEmbedding.query(bytes, detector: detector, embedder: embedder).embedding != nil else {
                    print("  (skipped \(name): not exactly one face)")
                    continue
                }
                queries.append(QueryPhoto(name: name, kind: kind, bytes: bytes))
            }
        }
        let kinds = Array(Set(queries.map(\.kind))).sorted()
        print("face search request benchmark: \(queries.count) query photos, \(rounds) rounds, \(ProcessInfo.processInfo.activeProcessorCount) cores")

        // In process: the new step against the old, alternated photo by photo.
        var before: [String: Samples] = [:], after: [String: Samples] = [:]
        for _ in 0..<max(1, rounds / 2) {
            for query in queries {
                var start = ContinuousClock.now
                _ = try Self.previousAnalysis(query.bytes, detector: detector, embedder: embedder)
                before[query.kind, default: Samples()].add(seconds(ContinuousClock.now - start) * 1000)
                start = ContinuousClock.now
                _ = try FaceEmbedding.query(query.bytes, detector: searchDetector, embedder: embedder)
                after[query.kind, default: Samples()].add(seconds(ContinuousClock.now - start) * 1000)
            }
        }
        // Where the new step spends its time, per kind (medians).
        var decodeMs: [String: Samples] = [:], detectMs: [String: Samples] = [:], detect2Ms: [String: Samples] = [:]
        var embedMs: [String: Samples] = [:]
        for query in queries {
            for _ in 0..<5 {
                var start = ContinuousClock.now
                let pixels = try DecodedImage(query.bytes, maxDimension: detector.configuration.detectionSize)
                    .rgb(maxDimension: detector.configuration.detectionSize)
                decodeMs[query.kind, default: Samples()].add(seconds(ContinuousClock.now - start) * 1000)
                start = ContinuousClock.now
                let found = try detector.detect(pixels)
                detectMs[query.kind, default: Samples()].add(seconds(ContinuousClock.now - start) * 1000)
                start = ContinuousClock.now
                _ = try searchDetector.detect(pixels)
                detect2Ms[query.kind, default: Samples()].add(seconds(ContinuousClock.now - start) * 1000)
                start = ContinuousClock.now
                _ = try embedder.embed(pixels, faces: found.prefix(1).map(\.box))
                embedMs[query.kind, default: Samples()].add(seconds(ContinuousClock.now - start) * 1000)
            }
        }
        print("decode + detect + embed, in process (ms):")
        for kind in kinds {
            print("  \(kind) stages at the detection size, p50: decode \(format(decodeMs[kind]?.median ?? 0)), detect \(format(detectMs[kind]?.median ?? 0)) (2 threads: \(format(detect2Ms[kind]?.median ?? 0))), embed \(format(embedMs[kind]?.median ?? 0))")
        }
        for kind in kinds {
            let old = before[kind] ?? Samples(), new = after[kind] ?? Samples()
            print("  \(kind): before (decode at up to 1600 px, 1-thread detection) p50 \(format(old.median)), p95 \(format(old.percentile(95)));"
                  + " now (FaceEmbedding.query, 2-thread detection) p50 \(format(new.median)), p95 \(format(new.percentile(95)))")
        }

        try await withScratchDatabase("facepipe_bench_face_search", config: config, logger: logger) { url in
            let server = try BenchServer(database: url, worker: true, environment: BenchServer.faceModels)
            defer { server.stop() }
            try await server.waitUntilHealthy()
            let indexed = try await indexLabelledFaces(server)
            var requestMs: [String: Samples] = [:], all = Samples()
            var withMatches = 0, total = 0
            for query in queries.prefix(3) { _ = try await search(query, server) }  // warm-up
            for _ in 0..<rounds {
                for query in queries {
                    let start = ContinuousClock.now
                    let matches = try await search(query, server)
                    let ms = seconds(ContinuousClock.now - start) * 1000
                    requestMs[query.kind, default: Samples()].add(ms)
                    all.add(ms)
                    total += 1
                    if matches > 0 { withMatches += 1 }
                }
            }
            print("POST /search/face over HTTP, one client, \(indexed) labelled photos indexed (ms):")
            for kind in kinds {
                let samples = requestMs[kind] ?? Samples()
                print("  \(kind): p50 \(format(samples.median)), p95 \(format(samples.percentile(95))), p99 \(format(samples.percentile(99)))")
            }
            print("  all: p50 \(format(all.median)), p95 \(format(all.percentile(95))); \(withMatches) of \(total) answers had a match")
        }
    }

    /// One search as the admin; returns the number of matches.
    func search(_ query: QueryPhoto, _ server: BenchServer) async throws -> Int {
        let request = server.multipart("/search/face", field: "image", filename: query.name, data: query.bytes)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 22)
        guard response.status == .ok else { throw BenchServerError("search with \(query.name): \(response.status) \(String(buffer: body))") }
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
        return (json?["matches"] as? [Any])?.count ?? 0
    }

    /// Uploads every labelled photo into one approved report and waits until they are embedded.
    func indexLabelledFaces(_ server: BenchServer) async throws -> Int {
        let labelled = try FaceCalibrationBench.labelledPhotos(in: faces)
        for photo in labelled {
            _ = try await IngestBench.upload(photo.bytes, filename: photo.file, reportId: "bench-labelled", to: server)
        }
        var approve = server.request("/reports/bench-labelled", method: .PUT)
        approve.headers.add(name: "Content-Type", value: "application/json")
        approve.body = .bytes(ByteBuffer(string: #"{"status":"approved"}"#))
        let response = try await HTTPClient.shared.execute(approve, timeout: .seconds(30))
        guard response.status == .ok else { throw BenchServerError("approving the report: \(response.status)") }
        try await server.waitForIdleQueue(limit: .seconds(600))
        return labelled.count
    }

    /// The step as it ran before `FaceEmbedding.query`: one decode at up to 1600 px, detection
    /// at the detector's size from it, the embedding from the 1600 px pixels.
    static func previousAnalysis(_ bytes: Data, detector: CenterFaceDetector, embedder: any FaceEmbedder) throws -> [Float]? {
        let decoded = try DecodedImage(bytes, maxDimension: FaceEmbedding.maxDimension)
        let found = try detector.detect(decoded)
        guard found.count == 1 else { return nil }
        let pixels = try decoded.rgb(maxDimension: FaceEmbedding.maxDimension)
        let box = found[0].scaled(x: Float(pixels.width) / Float(decoded.width), y: Float(pixels.height) / Float(decoded.height)).box
        return try embedder.embed(pixels, faces: [box]).first
    }
}
