import FacepipeCore
import Foundation
import Testing

/// A brute-force model to check the index against: a dictionary and a full scan.
private func bruteForce<Hash>(
    _ model: [UUID: Hash], _ query: Hash, maxDistance: Int, distance: (Hash, Hash) -> Int
) -> [HashMatch] {
    model.compactMap { id, hash in
        let d = distance(hash, query)
        return d <= maxDistance ? HashMatch(id: id, distance: d) : nil
    }
}

/// Canonical order for comparing result sets whose ties are unordered.
private func canonical(_ matches: [HashMatch]) -> [HashMatch] {
    matches.sorted { ($0.distance, $0.id.uuidString) < ($1.distance, $1.id.uuidString) }
}

private func isNearestFirst(_ matches: [HashMatch]) -> Bool {
    zip(matches, matches.dropFirst()).allSatisfy { $0.distance <= $1.distance }
}

private func randomUUID(_ random: inout SplitMix64) -> UUID {
    let bytes = (0..<16).map { _ in UInt8(random.next() & 0xFF) }
    return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                       bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
}

private func randomHash(_ random: inout SplitMix64) -> PDQHash {
    PDQHash(word0: random.next(), word1: random.next(), word2: random.next(), word3: random.next())
}

private func nearbyPDQ(_ base: PDQHash, flipping count: Int, _ random: inout SplitMix64) -> PDQHash {
    var hash = base
    for _ in 0..<count { hash[bit: Int(random.next() % 256)].toggle() }
    return hash
}

/// `base` with `count` random bits flipped (possibly the same bit twice).
private func nearby(_ base: UInt64, flipping count: Int, _ random: inout SplitMix64) -> UInt64 {
    var hash = base
    for _ in 0..<count { hash ^= 1 << (random.next() % 64) }
    return hash
}

@Suite struct HashIndexTests {
    let a = UUID(), b = UUID(), c = UUID(), d = UUID()

    @Test func emptyIndexFindsNothing() {
        let index = HashIndex()
        #expect(index.isEmpty)
        #expect(index.query(0, maxDistance: 64).isEmpty)
    }

    @Test func queryReturnsMatchesNearestFirst() {
        var index = HashIndex()
        index.insert(id: a, hash: 0b111)  // distance 3 from 0
        index.insert(id: b, hash: 0)  // 0
        index.insert(id: c, hash: 0b1)  // 1
        index.insert(id: d, hash: .max)  // 64
        #expect(index.query(0, maxDistance: 3) == [
            HashMatch(id: b, distance: 0), HashMatch(id: c, distance: 1), HashMatch(id: a, distance: 3),
        ])
        #expect(index.query(0, maxDistance: 2).map(\.id) == [b, c])
        #expect(index.query(0, maxDistance: 0).map(\.id) == [b])
        #expect(index.query(0, maxDistance: 64).map(\.id) == [b, c, a, d])
        #expect(index.query(0, maxDistance: 1000).count == 4)
        #expect(index.query(0, maxDistance: -1).isEmpty)
    }

    @Test func insertReplacesAnExistingID() {
        var index = HashIndex()
        let added = index.insert(id: a, hash: 0xFF)
        let addedAgain = index.insert(id: a, hash: 0x0F)
        #expect(added && !addedAgain)
        #expect(index.count == 1)
        #expect(index.hash(for: a) == 0x0F)
        #expect(index.query(0x0F, maxDistance: 0).map(\.id) == [a])
        #expect(index.query(0xFF, maxDistance: 0).isEmpty)
    }

    @Test func removeMovesTheLastEntryIntoTheGap() {
        var index = HashIndex()
        index.insert(id: a, hash: 1)
        index.insert(id: b, hash: 2)
        index.insert(id: c, hash: 3)
        let removed = index.remove(id: a)
        let removedAgain = index.remove(id: a)
        #expect(removed && !removedAgain)
        #expect(index.count == 2)
        #expect(!index.contains(a))
        #expect(index.hash(for: c) == 3)
        #expect(index.hash(for: b) == 2)
        let removedMoved = index.remove(id: c)  // c now sits in a's old slot
        let removedLast = index.remove(id: b)
        #expect(removedMoved && removedLast)
        #expect(index.isEmpty)
        #expect(index.query(0, maxDistance: 64).isEmpty)
    }

    /// Random inserts, replacements and removals against a dictionary model, with
    /// clustered hashes so queries at small distances find several entries.
    @Test func agreesWithBruteForce() {
        var random = SplitMix64(seed: 2024)
        let centres = (0..<20).map { _ in random.next() }
        var index = HashIndex()
        var model: [UUID: UInt64] = [:]
        var ids: [UUID] = []
        for step in 0..<3000 {
            let hash = nearby(centres[Int(random.next() % 20)], flipping: Int(random.next() % 8), &random)
            switch random.next() % 10 {
            case 0..<6:
                let id = randomUUID(&random)
                ids.append(id)
                index.insert(id: id, hash: hash)
                model[id] = hash
            case 6..<8 where !ids.isEmpty:
                let id = ids[Int(random.next() % UInt64(ids.count))]
                let wasNew = index.insert(id: id, hash: hash)
                #expect(wasNew == (model[id] == nil))
                model[id] = hash
            case 8..<10 where !ids.isEmpty:
                let id = ids[Int(random.next() % UInt64(ids.count))]
                let removed = index.remove(id: id)
                #expect(removed == (model.removeValue(forKey: id) != nil))
            default:
                break
            }
            #expect(index.count == model.count)
            if step % 150 == 0 {
                for maxDistance in [0, 3, 6, 12, 40] {
                    let query = nearby(centres[Int(random.next() % 20)], flipping: 2, &random)
                    let found = index.query(query, maxDistance: maxDistance)
                    #expect(isNearestFirst(found))
                    #expect(canonical(found) == canonical(bruteForce(
                        model, query, maxDistance: maxDistance, distance: PerceptualHash.hammingDistance)))
                }
            }
        }
        for (id, hash) in model { #expect(index.hash(for: id) == hash) }
    }
}

@Suite struct PDQHashIndexTests {
    @Test func queryReturnsMatchesNearestFirst() throws {
        let (a, b, c) = (UUID(), UUID(), UUID())
        let zero = PDQHash.zero
        var three = zero
        for k in [0, 100, 255] { three[bit: k] = true }
        var index = PDQHashIndex()
        index.insert(id: a, hash: three)
        index.insert(id: b, hash: zero)
        index.insert(id: c, hash: PDQHash(word0: .max, word1: .max, word2: .max, word3: .max))
        #expect(index.query(zero, maxDistance: 31) == [HashMatch(id: b, distance: 0), HashMatch(id: a, distance: 3)])
        #expect(index.query(zero, maxDistance: 256).map(\.distance) == [0, 3, 256])
        #expect(index.query(zero, maxDistance: -1).isEmpty)
        #expect(index.hash(for: a) == three)
    }

    @Test func agreesWithBruteForce() {
        var random = SplitMix64(seed: 77)
        let centres = (0..<10).map { _ in randomHash(&random) }
        var index = PDQHashIndex()
        var model: [UUID: PDQHash] = [:]
        var ids: [UUID] = []
        for step in 0..<2000 {
            let hash = nearbyPDQ(centres[Int(random.next() % 10)], flipping: Int(random.next() % 40), &random)
            switch random.next() % 10 {
            case 0..<6:
                let id = randomUUID(&random)
                ids.append(id)
                index.insert(id: id, hash: hash)
                model[id] = hash
            case 6..<8 where !ids.isEmpty:
                let id = ids[Int(random.next() % UInt64(ids.count))]
                let wasNew = index.insert(id: id, hash: hash)
                #expect(wasNew == (model[id] == nil))
                model[id] = hash
            case 8..<10 where !ids.isEmpty:
                let id = ids[Int(random.next() % UInt64(ids.count))]
                let removed = index.remove(id: id)
                #expect(removed == (model.removeValue(forKey: id) != nil))
            default:
                break
            }
            #expect(index.count == model.count)
            if step % 100 == 0 {
                // 31 and 40 straddle the early rejection on the first 128 bits.
                for maxDistance in [0, 10, 31, 40, 70, 128] {
                    let query = nearbyPDQ(centres[Int(random.next() % 10)], flipping: 5, &random)
                    let found = index.query(query, maxDistance: maxDistance)
                    #expect(isNearestFirst(found))
                    #expect(canonical(found) == canonical(bruteForce(
                        model, query, maxDistance: maxDistance, distance: PerceptualHash.pdqHammingDistance)))
                }
            }
        }
        for (id, hash) in model { #expect(index.hash(for: id) == hash) }
    }
}

/// The multi-index: every answer within both limits, checked against a full scan while it
/// grows past several bucket widths, replaces and removes entries, and holds many entries in
/// one bucket; radii that use the tables (pHash ≤ 0…11) and ones that fall back to a scan.
@Suite struct DuplicateHashIndexTests {
    private struct Entry: Equatable {
        var phash: UInt64
        var pdq: PDQHash
    }

    private func bruteForce(_ model: [UUID: Entry], _ query: Entry, maxPHash: Int, maxPDQ: Int) -> [HashMatch] {
        model.compactMap { id, entry in
            guard PerceptualHash.hammingDistance(entry.phash, query.phash) <= maxPHash else { return nil }
            let d = PerceptualHash.pdqHammingDistance(entry.pdq, query.pdq)
            return d <= maxPDQ ? HashMatch(id: id, distance: d) : nil
        }
    }

    @Test func agreesWithBruteForceWhileGrowingAndShrinking() {
        var random = SplitMix64(seed: 2026)
        // Few centres, so buckets fill and chains are long; one centre repeats exactly.
        let centres = (0..<12).map { _ in Entry(phash: random.next(), pdq: randomHash(&random)) }
        var index = DuplicateHashIndex()
        var model: [UUID: Entry] = [:]
        var ids: [UUID] = []
        var bucketWidths: Set<Int> = []
        for step in 0..<12000 {
            let centre = centres[Int(random.next() % 12)]
            let entry = step % 7 == 0 ? centre
                : Entry(phash: nearby(centre.phash, flipping: Int(random.next() % 14), &random),
                        pdq: nearbyPDQ(centre.pdq, flipping: Int(random.next() % 90), &random))
            // Mostly inserts for 8,000 steps (past 4,096 entries: two growths), then mostly removals.
            let removing = step < 8000 ? random.next() % 10 == 9 : random.next() % 10 >= 2
            if removing, !ids.isEmpty {
                let id = ids[Int(random.next() % UInt64(ids.count))]
                let removed = index.remove(id: id)
                #expect(removed == (model.removeValue(forKey: id) != nil))
            } else if random.next() % 5 == 0, !ids.isEmpty {
                let id = ids[Int(random.next() % UInt64(ids.count))]
                let wasNew = index.insert(id: id, phash: entry.phash, pdq: entry.pdq)
                #expect(wasNew == (model[id] == nil))
                model[id] = entry
            } else {
                let id = randomUUID(&random)
                ids.append(id)
                let wasNew = index.insert(id: id, phash: entry.phash, pdq: entry.pdq)
                #expect(wasNew)
                model[id] = entry
            }
            #expect(index.count == model.count)
            bucketWidths.insert(index.bucketWidth)
            if step % 200 == 0 {
                let centre = centres[Int(random.next() % 12)]
                let query = Entry(phash: nearby(centre.phash, flipping: Int(random.next() % 6), &random),
                                  pdq: nearbyPDQ(centre.pdq, flipping: 10, &random))
                for (maxPHash, maxPDQ) in [(0, 256), (2, 60), (8, 60), (8, 31), (9, 256), (11, 90), (12, 60), (64, 40), (-1, 60), (8, -1)] {
                    let found = index.query(phash: query.phash, pdq: query.pdq, maxPHash: maxPHash, maxPDQ: maxPDQ)
                    #expect(canonical(found) == canonical(bruteForce(model, query, maxPHash: maxPHash, maxPDQ: maxPDQ)),
                            "step \(step), pHash ≤ \(maxPHash), PDQ ≤ \(maxPDQ)")
                }
            }
        }
        #expect(bucketWidths.count >= 3, "the tables grew: \(bucketWidths.sorted())")
        for id in ids { index.remove(id: id) }
        #expect(index.isEmpty)
        #expect(index.query(phash: centres[0].phash, pdq: centres[0].pdq, maxPHash: 64, maxPDQ: 256).isEmpty)
    }

    @Test func aReservedIndexHasItsBucketsAtOnceAndAnswersTheSame() {
        var random = SplitMix64(seed: 9)
        var grown = DuplicateHashIndex()
        var reserved = DuplicateHashIndex(minimumCapacity: 5000)
        let widthBefore = reserved.bucketWidth
        var entries: [Entry] = []
        for _ in 0..<5000 {
            let entry = Entry(phash: random.next() & 0xFFFF_0000_FFFF_FFFF, pdq: randomHash(&random))
            let id = randomUUID(&random)
            grown.insert(id: id, phash: entry.phash, pdq: entry.pdq)
            reserved.insert(id: id, phash: entry.phash, pdq: entry.pdq)
            entries.append(entry)
        }
        #expect(widthBefore == reserved.bucketWidth)
        #expect(grown.bucketWidth == reserved.bucketWidth)
        for entry in entries.prefix(50) {
            let query = nearby(entry.phash, flipping: 4, &random)
            let a = grown.query(phash: query, pdq: entry.pdq, maxPHash: 8, maxPDQ: 60)
            let b = reserved.query(phash: query, pdq: entry.pdq, maxPHash: 8, maxPDQ: 60)
            #expect(!a.isEmpty)
            #expect(canonical(a) == canonical(b))
        }
    }

    @Test func keyBallsHaveTheirSizeAndNoRepeats() {
        for (bits, radius) in [(10, 0), (10, 1), (21, 2), (22, 2), (22, 3)] {
            var keys: [UInt64] = []
            DuplicateHashIndex.forEachKey(within: radius, of: 0b1011, bits: bits) { keys.append($0) }
            #expect(keys.count == DuplicateHashIndex.ballSize(bits: bits, radius: radius))
            #expect(Set(keys).count == keys.count)
            #expect(keys.allSatisfy { ($0 ^ 0b1011).nonzeroBitCount <= radius && $0 < 1 << UInt64(bits) })
        }
        #expect(DuplicateHashIndex.ballSize(bits: 21, radius: 2) == 232)
    }
}

@Suite struct HashIndexBenchmarkTests {
    /// Shape only, never timing: every query is timed, and the half that are a stored
    /// hash with three bits flipped must find at least that entry.
    @Test(arguments: HashIndexBenchmark.HashWidth.allCases)
    func reportsOneLatencyPerQuery(width: HashIndexBenchmark.HashWidth) {
        let result = HashIndexBenchmark.run(entries: 2000, queries: 40, maxDistance: 3, width: width, seed: 1)
        #expect(result.entries == 2000)
        #expect(result.queryLatencies.count == 40)
        #expect(result.totalMatches >= 20)
        #expect(result.percentile(50) <= result.percentile(95))
        #expect(result.percentile(100) == result.queryLatencies.max())
    }

    /// Shape only, never timing: one latency per lookup on each side, both ways find the same
    /// images, and every lookup that carries a stored entry (up to the rule's pHash limit away)
    /// finds it.
    @Test func duplicateLookupsAgreeBothWays() {
        let result = DuplicateLookupBenchmark.run(entries: 6000, lookups: 30, seed: 3)
        #expect(result.multiIndex.latencies.count == 30)
        #expect(result.linear?.latencies.count == 30)
        #expect(result.disagreements == 0)
        #expect(result.missedPlanted == 0)
        #expect(result.multiIndex.matches >= 15)
        #expect(result.linear?.matches == result.multiIndex.matches)
    }
}
