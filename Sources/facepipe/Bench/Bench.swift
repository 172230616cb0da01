import ArgumentParser

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (results are medians of repeated runs on this machine).",
        subcommands: [QueueBench.self, IngestBench.self, ImagingBench.self, FacesBench.self])
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

func format(_ value: Double, _ digits: Int = 1) -> String {
    String(format: "%.\(digits)f", value)
}

import Foundation

/// Resident memory of a process in KiB, from Linux /proc: now and the peak so far.
func residentMemory(pid: Int32? = nil) -> (current: Int, peak: Int) {
    let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
    guard let status = try? String(contentsOfFile: path, encoding: .utf8) else { return (0, 0) }
    func field(_ name: String) -> Int {
        status.split(separator: "\n").first { $0.hasPrefix(name) }?
            .split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) } ?? 0
    }
    return (field("VmRSS:"), field("VmHWM:"))
}
