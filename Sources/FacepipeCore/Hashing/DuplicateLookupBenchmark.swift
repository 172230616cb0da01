import Foundation

/// Near-duplicate lookups as the duplicate index makes them — every variant of an image's
/// hashes (its eight dihedral turns and mirrors, say) against every stored image, by
/// `DuplicateRule`'s pHash and PDQ limits — on seeded random hashes, two ways in one run:
///
/// - **linear**: the code before `DuplicateHashIndex`: a PDQ scan of every entry per variant
///   (`PDQHashIndex`), then the pHash limit on each candidate;
/// - **multi-index**: `DuplicateHashIndex`.
///
/// Half of the lookups carry, in one variant, a stored entry with 0…8 pHash bits (up to the
/// rule's limit, by turns) and 40 PDQ bits flipped, so they must find it; the others are
/// random. Both ways must return the same images for every lookup (`disagreements`). Measures
/// only; it asserts nothing.
public enum DuplicateLookupBenchmark {
    public struct Side: Sendable {
        public var buildTime: Duration
        /// One latency per lookup (all variants), in the order they ran.
        public var latencies: [Duration]
        public var matches: Int
        /// Growth of the process's anonymous memory while the index was built, in KiB
        /// (nil when not measured).
        public var memoryKiB: Int?

        /// Nearest-rank percentile, `p` in 0...100; zero when no lookup ran.
        public func percentile(_ p: Double) -> Duration { HashIndexBenchmark.percentile(p, of: latencies) }
    }

    public struct Result: Sendable {
        public var entries: Int
        public var lookups: Int
        public var variants: Int
        public var linear: Side?
        public var multiIndex: Side
        /// Lookups where the two ways found different images (0 when linear was skipped).
        public var disagreements: Int
        /// Lookups that carried a stored entry and did not find it.
        public var missedPlanted: Int
    }

    /// `anonymousMemoryKiB` reads the process's anonymous memory (nil: not measured).
    public static func run(
        entries: Int, lookups: Int, variants: Int = 8, rule: DuplicateRule = DuplicateRule(), linear: Bool = true,
        seed: UInt64 = 7, anonymousMemoryKiB: (() -> Int)? = nil
    ) -> Result {
        var random = SplitMix64(seed: seed)
        let clock = ContinuousClock()
        var phashes = [UInt64](), pdqs = [PDQHash](), ids = [UUID]()
        phashes.reserveCapacity(entries)
        pdqs.reserveCapacity(entries)
        ids.reserveCapacity(entries)
        for _ in 0..<entries {
            phashes.append(random.next())
            pdqs.append(HashIndexBenchmark.randomPDQHash(&random))
            ids.append(id(position: ids.count, &random))
        }
        // Each lookup's variants, and which stored entry (if any) one of them was made from.
        var queries: [[(phash: UInt64, pdq: PDQHash)]] = []
        var planted: [Int?] = []
        for lookup in 0..<lookups {
            var lookupVariants = (0..<variants).map { _ in (phash: random.next(), pdq: HashIndexBenchmark.randomPDQHash(&random)) }
            if lookup % 2 == 0, entries > 0 {
                let entry = Int(random.next() % UInt64(entries))
                var phash = phashes[entry], pdq = pdqs[entry]
                for bit in distinctBits(lookup / 2 % (rule.phash + 1), of: 64, &random) { phash ^= 1 << UInt64(bit) }
                for bit in distinctBits(min(40, rule.pdq), of: 256, &random) { pdq[bit: bit].toggle() }
                lookupVariants[Int(random.next() % UInt64(variants))] = (phash, pdq)
                planted.append(entry)
            } else {
                planted.append(nil)
            }
            queries.append(lookupVariants)
        }

        let before = anonymousMemoryKiB?()
        var multi = DuplicateHashIndex(minimumCapacity: entries)
        let multiBuild = clock.measure {
            for i in 0..<entries { multi.insert(id: ids[i], phash: phashes[i], pdq: pdqs[i]) }
        }
        let afterMulti = anonymousMemoryKiB?()
        var multiSide = Side(buildTime: multiBuild, latencies: [], matches: 0,
                             memoryKiB: before.flatMap { b in afterMulti.map { $0 - b } })
        var multiFound: [Set<UUID>] = []
        for lookup in queries {
            let start = clock.now
            var found = Set<UUID>()
            for variant in lookup {
                for match in multi.query(phash: variant.phash, pdq: variant.pdq, maxPHash: rule.phash, maxPDQ: rule.pdq) {
                    found.insert(match.id)
                }
            }
            multiSide.latencies.append(clock.now - start)
            multiSide.matches += found.count
            multiFound.append(found)
        }
        let missed = zip(planted, multiFound).filter { entry, found in entry.map { !found.contains(ids[$0]) } ?? false }.count

        var linearSide: Side?
        var disagreements = 0
        if linear {
            var index = PDQHashIndex(minimumCapacity: entries)
            let build = clock.measure {
                for i in 0..<entries { index.insert(id: ids[i], hash: pdqs[i]) }
            }
            let afterLinear = anonymousMemoryKiB?()
            var side = Side(buildTime: build, latencies: [], matches: 0,
                            memoryKiB: afterMulti.flatMap { m in afterLinear.map { $0 - m } })
            for (lookup, variantsOfLookup) in queries.enumerated() {
                let start = clock.now
                var found = Set<UUID>()
                for variant in variantsOfLookup {
                    for candidate in index.query(variant.pdq, maxDistance: rule.pdq)
                    where (phashes[position(of: candidate.id)] ^ variant.phash).nonzeroBitCount <= rule.phash {
                        found.insert(candidate.id)
                    }
                }
                side.latencies.append(clock.now - start)
                side.matches += found.count
                if found != multiFound[lookup] { disagreements += 1 }
            }
            linearSide = side
        }
        return Result(entries: entries, lookups: lookups, variants: variants, linear: linearSide, multiIndex: multiSide,
                      disagreements: disagreements, missedPlanted: missed)
    }

    /// A random id whose first eight bytes are the entry's position, so the linear way can
    /// find a candidate's pHash without a map of its own (`position(of:)`).
    private static func id(position: Int, _ random: inout SplitMix64) -> UUID {
        HashIndexBenchmark.uuid(high: UInt64(position), low: random.next())
    }

    private static func position(of id: UUID) -> Int {
        withUnsafeBytes(of: id.uuid) { bytes in (0..<8).reduce(0) { $0 << 8 | Int(bytes[$1]) } }
    }

    /// `count` different bit positions below `width`.
    private static func distinctBits(_ count: Int, of width: Int, _ random: inout SplitMix64) -> [Int] {
        var bits = Set<Int>()
        while bits.count < count { bits.insert(Int(random.next() % UInt64(width))) }
        return Array(bits)
    }
}
