import ArgumentParser
import FacepipeCore
import Foundation
import Pipeline

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
    @Option(help: "Images in a whole worker index (own hashes plus centre and upper regions) whose memory is measured; 0 skips.")
    var wholeIndex = 1_000_000

    func run() throws {
        let rule = DuplicateRule()
        print("duplicate lookup: \(entries) images, \(lookups) lookups × \(variants) variants, pHash ≤ \(rule.phash) and PDQ ≤ \(rule.pdq), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let result = DuplicateLookupBenchmark.run(
            entries: entries, lookups: lookups, variants: variants, rule: rule, linear: !noLinear,
            anonymousMemoryKiB: { residentMemoryParts(pid: getpid()).anonymous })
        func line(_ label: String, _ side: DuplicateLookupBenchmark.Side) -> String {
            let memory = side.memoryKiB.map { "\(format(Double($0) / 1024)) MB (\(format(Double($0) * 1024 / Double(max(1, entries)))) B/image)" } ?? "not measured"
            return "\(label): p50 \(format(milliseconds(side.percentile(50)), 3)) ms, p95 \(format(milliseconds(side.percentile(95)), 3)) ms, max \(format(milliseconds(side.percentile(100)), 3)) ms; built in \(format(seconds(side.buildTime), 1)) s; memory \(memory)"
        }
        if let linear = result.linear { print(line("linear PDQ scan (before)", linear)) }
        print(line("multi-index on pHash    ", result.multiIndex))
        if let linear = result.linear {
            print("speed-up at p95: \(format(milliseconds(linear.percentile(95)) / max(milliseconds(result.multiIndex.percentile(95)), 0.000_001), 0))×")
            print("same images found: \(result.lookups - result.disagreements) of \(result.lookups) lookups")
        }
        print("planted copies found: \((result.lookups + 1) / 2 - result.missedPlanted) of \((result.lookups + 1) / 2)")
        if wholeIndex > 0 { measureWholeIndex() }
        if result.disagreements > 0 || result.missedPlanted > 0 { throw ExitCode.failure }
    }

    /// What a worker's `DuplicateIndex` holds per image: one hash index per stored set and each
    /// image's fingerprint. Random strong hashes, with the two regions every image has.
    private func measureWholeIndex() {
        var random = SplitMix64(seed: 11)
        func hashes() -> ImageHashes {
            ImageHashes(ahash: random.next(), dhash: random.next(), phash: random.next(),
                        pdq: PDQHash(word0: random.next(), word1: random.next(), word2: random.next(), word3: random.next()),
                        pdqQuality: 80)
        }
        let fingerprints = (0..<wholeIndex).map { _ in
            ImageFingerprint(hashes: hashes(), regions: [.centre: hashes(), .upper: hashes()])
        }
        let ids = (0..<wholeIndex).map { _ in UUID() }
        let before = residentMemoryParts(pid: getpid()).anonymous
        var sets = DuplicateIndex.Sets(rule: DuplicateRule())
        for (id, fingerprint) in zip(ids, fingerprints) { sets.insert(id, fingerprint) }
        let grown = residentMemoryParts(pid: getpid()).anonymous - before
        print("a worker's whole index (own + centre + upper sets, fingerprints) at \(sets.count) images: \(format(Double(grown) / 1024)) MB, \(format(Double(grown) * 1024 / Double(max(1, wholeIndex)), 0)) B/image")
        // An image hashed again (or erased) leaves every set it is in: time that, as a refresh does it.
        var updates = Samples()
        for i in 0..<min(200, wholeIndex) {
            let start = ContinuousClock.now
            sets.insert(ids[i], fingerprints[(i + 1) % wholeIndex])
            updates.add(milliseconds(ContinuousClock.now - start))
        }
        print("re-hashing one stored image in it (leave every set, insert again): p50 \(format(updates.median, 3)) ms, p95 \(format(updates.percentile(95), 3)) ms")
    }
}
