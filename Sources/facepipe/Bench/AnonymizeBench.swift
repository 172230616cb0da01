import ArgumentParser
import Faces
import FacepipeCore
import Foundation
import Imaging
import NIOPosix
import Pipeline

/// `facepipe bench anonymize`: images/s of the anonymize job's work (full-resolution decode,
/// detection, masks, encoding in the original's format, detection again for verification) for
/// each `replacewith`, on a folder of 12 MP photos, with `none` (decode, detect twice, encode;
/// no masks) as the baseline measured in the same run.
struct AnonymizeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "anonymize", abstract: "anonymize-pipeline images/s per replacewith.")

    @Option(help: "Folder of photos (make bench-imaging fills .deps/testdata/bench-12mp).") var dir = ".deps/testdata/bench-12mp"
    @Option(help: "Images at once (default: one per core).") var workers = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Passes per mode (the median is reported).") var runs = 3
    @OptionGroup var detector: DetectorOptions

    func run() async throws {
        try VipsRuntime.start()
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") && $0 != "MANIFEST" }.sorted()
        guard !files.isEmpty else { throw ValidationError("no images in \(dir): run `make bench-imaging` or pass --dir") }
        let images = try files.map { try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent($0)) }
        let header = try ImageProbe.probe(images[0])
        let centerFace = try detector.makeDetector()
        print("anonymize benchmark: \(images.count) images (first \(header.width)×\(header.height)), \(workers) workers, \(runs) runs")
        let pool = NIOThreadPool(numberOfThreads: workers)
        pool.start()
        defer { Task { try? await pool.shutdownGracefully() } }
        for replacement in [AnonymizeSettings.Replacement.none, .blur, .solid, .mosaic] {
            var chosen = AnonymizeSettings.seed002
            chosen.replacewith = replacement
            let settings = chosen
            var rates = Samples(), latencies = Samples()
            var faces = 0, left = 0
            for _ in 0..<runs {
                let start = ContinuousClock.now
                let results = try await withThrowingTaskGroup(of: (Double, ProcessedVariant.Verification).self) { group in
                    var next = 0, results: [(Double, ProcessedVariant.Verification)] = []
                    func add() {
                        let bytes = images[next]
                        next += 1
                        group.addTask {
                            try await pool.runIfActive {
                                let begin = ContinuousClock.now
                                let result = try AnonymizeHandler.run(bytes, mime: MediaType.jpeg.mimeType, detector: centerFace, settings: settings)
                                return (seconds(ContinuousClock.now - begin) * 1000, result.verification)
                            }
                        }
                    }
                    for _ in 0..<min(workers, images.count) { add() }
                    while let result = try await group.next() {
                        results.append(result)
                        if next < images.count { add() }
                    }
                    return results
                }
                rates.add(Double(images.count) / seconds(ContinuousClock.now - start))
                for (ms, _) in results { latencies.add(ms) }
                faces = results.reduce(0) { $0 + $1.1.facesMasked }
                left = results.reduce(0) { $0 + $1.1.facesLeft }
            }
            print("  \(replacement.rawValue)\(replacement == .none ? " (baseline)" : ""): \(format(rates.median, 2)) images/s median; "
                + "per image p50 \(format(latencies.median)) ms, p95 \(format(latencies.percentile(95))) ms; \(faces) faces, \(left) left")
        }
    }
}
