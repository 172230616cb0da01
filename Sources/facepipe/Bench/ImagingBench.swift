import ArgumentParser
import FacepipeCore
import Foundation
import Imaging
import NIOPosix
import Pipeline

/// `facepipe bench imaging`: the process_image work (decode, 3 WebP thumbnails, hashes,
/// thumbnails written to disk) on a folder of photos, against a naive full-decode baseline
/// measured in the same run; plus duplicate-lookup latency at 1M hashes.
struct ImagingBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imaging", abstract: "images/s for process_image without faces, peak RSS, duplicate lookup latency.")

    @Option(help: "Folder of JPEG/PNG/WebP/HEIC photos (make bench-imaging fills .deps/testdata/bench-12mp).")
    var dir = ".deps/testdata/bench-12mp"
    @Option(help: "Images processed at once (default: one per core).") var workers = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Passes over the folder per mode (the median is reported).") var runs = 3
    @Option(help: "Hashes in the duplicate index.") var indexSize = 1_000_000
    @Flag(help: "Skip the full-decode baseline.") var noBaseline = false

    func run() async throws {
        try VipsRuntime.start()
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") && $0 != "MANIFEST" }.sorted()
        guard !files.isEmpty else { throw ValidationError("no images in \(dir): run `make bench-imaging` or pass --dir") }
        let images = try files.map { try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent($0)) }
        let header = try ImageProbe.probe(images[0])
        let megabytes = Double(images.reduce(0) { $0 + $1.count }) / 1_048_576
        print("imaging benchmark: \(images.count) images (first \(header.width)×\(header.height), \(format(megabytes)) MB), \(workers) workers, \(runs) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        let pool = NIOThreadPool(numberOfThreads: workers)
        pool.start()
        defer { Task { try? await pool.shutdownGracefully() } }

        let rssBefore = residentMemory().current
        let ours = try await throughput(images, pool: pool, output: output) { try ImageAnalysis.run($0) }
        let oursPeak = residentMemory().peak
        print("facepipe (shrink-on-load, decode once): \(format(ours)) images/s median; peak RSS \(oursPeak / 1024) MB (start \(rssBefore / 1024) MB)")
        if !noBaseline {
            let naive = try await throughput(images, pool: pool, output: output) { try Self.fullDecode($0) }
            print("baseline (full decode, then resize):    \(format(naive)) images/s median; peak RSS \(residentMemory().peak / 1024) MB")
            print("speed-up: \(format(ours / naive, 2))×")
        }

        for width in [HashIndexBenchmark.HashWidth.bits64, .bits256] {
            let result = HashIndexBenchmark.run(entries: indexSize, queries: 200, maxDistance: width == .bits64 ? 10 : 31, width: width)
            let label = width == .bits64 ? "64-bit (pHash ≤ 10)" : "PDQ (≤ 31)"
            print("duplicate lookup, \(indexSize) hashes, \(label): p50 \(format(milliseconds(result.percentile(50)), 2)) ms, p95 \(format(milliseconds(result.percentile(95)), 2)) ms")
        }
    }

    /// Median images/s over `runs` passes, `workers` images at a time, writing thumbnails to disk.
    private func throughput(
        _ images: [Data], pool: NIOThreadPool, output: URL, _ analyse: @escaping @Sendable (Data) throws -> ImageAnalysis
    ) async throws -> Double {
        var rates = Samples()
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                func add() {
                    let index = next
                    next += 1
                    let bytes = images[index]
                    group.addTask {
                        try await pool.runIfActive {
                            let analysis = try analyse(bytes)
                            for thumbnail in analysis.thumbnails {
                                try thumbnail.image.data.write(to: output.appendingPathComponent("\(index)-\(thumbnail.name).webp"))
                            }
                        }
                    }
                }
                for _ in 0..<min(workers, images.count) { add() }
                while try await group.next() != nil { if next < images.count { add() } }
            }
            rates.add(Double(images.count) / seconds(ContinuousClock.now - start))
        }
        return rates.median
    }

    /// What a pipeline without shrink-on-load does: decode every pixel, then resize.
    static func fullDecode(_ bytes: Data) throws -> ImageAnalysis {
        let header = try ImageProbe.probe(bytes)
        let decoded = try DecodedImage(bytes, maxDimension: max(header.uprightWidth, header.uprightHeight), limits: .unlimited)
        let short = min(decoded.width, decoded.height)
        let thumbnails = try ImageAnalysis.thumbnailSizes.map { size in
            ImageAnalysis.Thumbnail(name: size.name, image: try decoded.thumbnail(.cover(width: min(size.side, short), height: min(size.side, short))))
        }
        return ImageAnalysis(header: header, thumbnails: thumbnails, hashes: try ImageAnalysis.hashes(of: bytes))
    }

}
