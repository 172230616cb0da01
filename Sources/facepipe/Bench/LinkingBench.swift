import App
import ArgumentParser
import AsyncHTTPClient
import FacepipeCore
import Foundation
import NIOCore

/// `facepipe bench linking`: processing throughput with face linking on (report links by face,
/// identities; the default) and off (`FACE_LINKING=false`, embeddings only), in the same run.
/// Each pass is a real `facepipe serve` with its in-process worker on a new scratch database;
/// the passes alternate on, off, on, off… so machine noise hits both alike. A pass uploads the
/// 12 MP photos `--copies` times, each copy into its own report with new bytes but the same
/// pixels (a re-used photo: duplicate pairs, face links and identity joins all do real work),
/// and the labelled faces once each; images/s runs from the first upload to an idle queue.
struct LinkingBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "linking", abstract: "Images/s with face linking on vs off.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Passes per variant.") var passes = 3
    @Option(help: "Copies of each 12 MP photo per pass.") var copies = 3
    @Option(help: "The 12 MP photos (scripts/fetch-test-photos.sh --bench).") var bench = ".deps/testdata/bench-12mp"
    @Option(help: "The labelled faces (scripts/fetch-test-photos.sh --faces).") var faces = ".deps/testdata/faces"

    func run() async throws {
        let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
        var photos: [(name: String, bytes: Data)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: bench).filter({ $0.hasSuffix(".jpg") }).sorted() {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: bench).appendingPathComponent(name))
            for copy in 0..<copies { photos.append(("\(copy)-\(name)", bytes)) }
        }
        for labelled in try FaceCalibrationBench.labelledPhotos(in: faces) {
            photos.append(("\(labelled.folder)-\(labelled.file)", labelled.bytes))
        }
        print("linking benchmark: \(photos.count) uploads per pass (\(copies) copies of each 12 MP photo, the labelled faces), \(passes) passes per variant, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        var rates: [Bool: Samples] = [true: Samples(), false: Samples()]
        var links: [Bool: Int] = [:]
        for pass in 0..<(2 * passes) {
            let linking = pass % 2 == 0
            let (rate, linked) = try await withScratchDatabase("facepipe_bench_linking", config: config, logger: logger) { url in
                let server = try BenchServer(database: url, worker: true,
                                             environment: BenchServer.faceModels.merging(["FACE_LINKING": linking ? "true" : "false"]) { $1 })
                defer { server.stop() }
                try await server.waitUntilHealthy()
                let start = ContinuousClock.now
                for (number, photo) in photos.enumerated() {
                    var bytes = photo.bytes
                    if photo.name.hasSuffix(".jpg") { bytes.append(contentsOf: Array("linking-\(pass)-\(number)".utf8)) }
                    _ = try await IngestBench.upload(bytes, filename: photo.name, reportId: "bench-\(number)", to: server)
                }
                try await server.waitForIdleQueue(limit: .seconds(900))
                let elapsed = seconds(ContinuousClock.now - start)
                let linked = try await AccessBench.json(server.request("/reports/bench-0/links?limit=100"))["items"] as? [Any]
                return (Double(photos.count) / elapsed, linked?.count ?? 0)
            }
            rates[linking]!.add(rate)
            links[linking] = linked
            print("  pass \(pass + 1): linking \(linking ? "on " : "off"), \(format(rate, 2)) images/s; report bench-0 has \(linked) linked reports")
        }
        let on = rates[true]!, off = rates[false]!
        print("images/s, median of \(passes): linking on \(format(on.median, 2)) (min \(format(on.values.min() ?? 0, 2))), off \(format(off.median, 2)) (min \(format(off.values.min() ?? 0, 2))); on/off \(format(on.median / max(off.median, 0.001), 3))")
    }
}
