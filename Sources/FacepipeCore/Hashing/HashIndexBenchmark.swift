import Foundation

/// Builds an index of seeded random hashes and times queries against it, for the
/// `facepipe bench` command to report. Measures only; it asserts nothing.
public enum HashIndexBenchmark {
    public enum HashWidth: String, Sendable, CaseIterable {
        case bits64, bits256
    }

    public struct Result: Sendable {
        public var width: HashWidth
        public var entries: Int
        public var maxDistance: Int
        public var buildTime: Duration
        /// One latency per query, in the order the queries ran.
        public var queryLatencies: [Duration]
        /// Total matches returned, so the work cannot be optimised away and a reader can
        /// see the queries were not all empty.
        public var totalMatches: Int

        /// Nearest-rank percentile, `p` in 0...100; zero when no query ran.
        public func percentile(_ p: Double) -> Duration { HashIndexBenchmark.percentile(p, of: queryLatencies) }
    }

    /// Half the queries are a stored hash with three bits flipped (so they find it),
    /// half are fresh random hashes (usually no match at small distances).
    public static func run(
        entries: Int, queries: Int, maxDistance: Int, width: HashWidth = .bits64, seed: UInt64 = 42
    ) -> Result {
        var random = SplitMix64(seed: seed)
        let clock = ContinuousClock()
        var latencies: [Duration] = []
        latencies.reserveCapacity(queries)
        var totalMatches = 0
        let buildTime: Duration
        switch width {
        case .bits64:
            var index = HashIndex(minimumCapacity: entries)
            var stored: [UInt64] = []
            stored.reserveCapacity(entries)
            buildTime = clock.measure {
                for _ in 0..<entries {
                    let hash = random.next()
                    stored.append(hash)
                    index.insert(id: randomUUID(&random), hash: hash)
                }
            }
            for q in 0..<queries {
                var probe = random.next()
                if q % 2 == 0, !stored.isEmpty {
                    probe = stored[Int(random.next() % UInt64(stored.count))] ^ threeBits(&random, width: 64)
                }
                let start = clock.now
                totalMatches += index.query(probe, maxDistance: maxDistance).count
                latencies.append(clock.now - start)
            }
        case .bits256:
            var index = PDQHashIndex(minimumCapacity: entries)
            var stored: [PDQHash] = []
            stored.reserveCapacity(entries)
            buildTime = clock.measure {
                for _ in 0..<entries {
                    let hash = randomPDQHash(&random)
                    stored.append(hash)
                    index.insert(id: randomUUID(&random), hash: hash)
                }
            }
            for q in 0..<queries {
                var probe = randomPDQHash(&random)
                if q % 2 == 0, !stored.isEmpty {
                    probe = stored[Int(random.next() % UInt64(stored.count))]
                    for _ in 0..<3 { probe[bit: Int(random.next() % 256)].toggle() }
                }
                let start = clock.now
                totalMatches += index.query(probe, maxDistance: maxDistance).count
                latencies.append(clock.now - start)
            }
        }
        return Result(width: width, entries: entries, maxDistance: maxDistance, buildTime: buildTime,
                      queryLatencies: latencies, totalMatches: totalMatches)
    }

    /// A version-4-shaped UUID from the generator, so runs are reproducible.
    static func randomUUID(_ random: inout SplitMix64) -> UUID {
        let high = random.next(), low = random.next()
        // Version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8.
        return uuid(high: high & ~0xF000 | 0x4000, low: low & ~(0xC0 << 56) | 0x80 << 56)
    }

    /// The UUID whose 16 bytes are `high` then `low`, each big-endian.
    public static func uuid(high: UInt64, low: UInt64) -> UUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * i))
            bytes[8 + i] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * i))
        }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// Nearest-rank percentile of `latencies`, `p` in 0...100; zero when there are none.
    static func percentile(_ p: Double, of latencies: [Duration]) -> Duration {
        guard !latencies.isEmpty else { return .zero }
        let sorted = latencies.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    static func randomPDQHash(_ random: inout SplitMix64) -> PDQHash {
        PDQHash(word0: random.next(), word1: random.next(), word2: random.next(), word3: random.next())
    }

    /// A mask with (up to) three random bits set.
    private static func threeBits(_ random: inout SplitMix64, width: UInt64) -> UInt64 {
        var mask: UInt64 = 0
        for _ in 0..<3 { mask |= 1 << (random.next() % width) }
        return mask
    }
}
