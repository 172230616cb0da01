import ArgumentParser
import FacepipeCore
import Foundation

/// `facepipe bench duplicate-lookup`: one near-duplicate lookup with all eight dihedral
/// variants of an image's hashes at 10M stored images, by `DuplicateRule`'s limits: the
/// multi-index (`DuplicateHashIndex`) against the linear PDQ scan it replaced, in the same run,
/// with the memory each index took.
struct DuplicateLookupBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicate-lookup", abstract: "Near-duplicate lookup latency and memory at 10M images, multi-index vs linear scan.")

    @Option(help: "Stored images (random pHash + PDQ pairs).") var entries = 10_000_000
    @Option(help: "Lookups timed on each side.") var lookups = 200
    @Option(help: "Hash variants per lookup (8: every turn and mirror).") var variants = 8
    @Flag(help: "Skip the linear scan (the before side).") var noLinear = false

    func run() throws {
        let rule = DuplicateRule()
        print("duplicate lookup: \(entries) images, \(lookups) lookups × \(variants) variants, pHash ≤ \(rule.phash) and PDQ ≤ \(rule.pdq), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let result = DuplicateLookupBenchmark.run(
            entries: entries, lookups: lookups, variants: variants, rule: rule, linear: !noLinear,
            anonymousMemoryKiB: { residentMemoryParts(pid: getpid()).anonymous })
        func line(_ label: String, _ side: DuplicateLookupBenchmark.Side) -> String {
            let memory = side.memoryKiB.map { "\(format(Double($0) / 1024)) MB (\(format(Double($0) * 1024 / Double(max(1, entries)))) B/image)" } ?? "not measured"
            return "\(label): p50 \(format(ms(side.percentile(50)), 3)) ms, p95 \(format(ms(side.percentile(95)), 3)) ms, max \(format(ms(side.percentile(100)), 3)) ms; built in \(format(ms(side.buildTime) / 1000, 1)) s; memory \(memory)"
        }
        if let linear = result.linear { print(line("linear PDQ scan (before)", linear)) }
        print(line("multi-index on pHash    ", result.multiIndex))
        if let linear = result.linear {
            print("speed-up at p95: \(format(ms(linear.percentile(95)) / max(ms(result.multiIndex.percentile(95)), 0.000_001), 0))×")
            print("same images found: \(result.lookups - result.disagreements) of \(result.lookups) lookups")
        }
        print("planted copies found: \((result.lookups + 1) / 2 - result.missedPlanted) of \((result.lookups + 1) / 2)")
        if result.disagreements > 0 || result.missedPlanted > 0 { throw ExitCode.failure }
    }

    private func ms(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
