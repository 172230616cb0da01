import App
import ArgumentParser
import FacepipeCore
import Logging
import Persistence

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (results are medians of repeated runs on this machine).",
        subcommands: [QueueBench.self, FaceCalibrationBench.self, IngestBench.self, ImagingBench.self, FacesBench.self, FaceSearchRequestBench.self, LinkingBench.self, AccessBench.self, PagesBench.self, ScaleBench.self, AnonymizeBench.self, DocumentsBench.self, DuplicatesBench.self, DuplicateLookupBench.self, FaceIndexBench.self, DistractorsBench.self, ChaosBench.self, LoadBench.self])
}

/// Order statistics for benchmark reports.
struct Samples {
    private(set) var values: [Double] = []

    mutating func add(_ value: Double) { values.append(value) }

    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }

    var median: Double { percentile(50) }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }

func format(_ value: Double, _ digits: Int = 1) -> String {
    String(format: "%.\(digits)f", value)
}

import Foundation

/// Runs a benchmark against a database of its own on the configured server (the embedded one
/// by default), dropped afterwards whether the body succeeds or throws.
func withScratchDatabase<T: Sendable>(
    _ name: String, config: AppConfig, logger: Logger, _ body: (DatabaseURL) async throws -> T
) async throws -> T {
    let database = try await DatabaseRuntime.prepare(config.database, logger: logger)
    let scratch = "\(name)_\(ProcessInfo.processInfo.processIdentifier)"
    let admin = database.url.with(database: database.embedded != nil ? "postgres" : database.url.database)
    func drop() async {
        try? await Database.withClient(url: admin, poolSize: 2, logger: logger) {
            try await Database.dropDatabase(scratch, using: $0, logger: logger)
        }
        await database.embedded?.stop()
    }
    do {
        try await Database.withClient(url: admin, poolSize: 2, logger: logger) {
            try await Database.createDatabaseIfMissing(scratch, using: $0, logger: logger)
        }
        let result = try await body(database.url.with(database: scratch))
        await drop()
        return result
    } catch {
        await drop()
        throw error
    }
}

/// The memory fields of a process's Linux `/proc/<pid>/status` (or this process's), in KiB.
private func memoryStatus(pid: Int32?) -> [Substring: Int] {
    let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
    guard let status = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
    var fields: [Substring: Int] = [:]
    for line in status.split(separator: "\n") {
        let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if parts.count >= 2, parts[0].hasSuffix(":"), let value = Int(parts[1]) { fields[parts[0].dropLast()] = value }
    }
    return fields
}

/// Resident memory of a process in KiB, from Linux /proc: now and the peak so far.
func residentMemory(pid: Int32? = nil) -> (current: Int, peak: Int) {
    let status = memoryStatus(pid: pid)
    return (status["VmRSS"] ?? 0, status["VmHWM"] ?? 0)
}

/// What a process's RSS is made of, in KiB: anonymous memory (the heap, thread stacks, pools)
/// and file-backed pages (the binary, libraries, mapped models). Growth in `anonymous` is
/// memory the process holds; `file` grows as mapped files are touched.
func residentMemoryParts(pid: Int32) -> (anonymous: Int, file: Int) {
    let status = memoryStatus(pid: pid)
    return (status["RssAnon"] ?? 0, (status["RssFile"] ?? 0) + (status["RssShmem"] ?? 0))
}

/// A finished image row with no file behind it (a unique made-up SHA-256), for benchmarks that
/// put faces into the database directly.
func insertBareImage(_ client: DatabaseClient) async throws -> UUID {
    let image = UUID()
    let hex = image.uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    try await client.query(
        "INSERT INTO images (id, sha256, mime, bytes, original_key, status) VALUES (\(image), \(hex + hex), 'image/jpeg', 0, 'bench', 'done')")
    return image
}
