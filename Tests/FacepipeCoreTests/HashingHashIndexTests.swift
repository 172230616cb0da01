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
    private func randomHash(_ random: inout SplitMix64) -> PDQHash {
        PDQHash(word0: random.next(), word1: random.next(), word2: random.next(), word3: random.next())
    }

    private func nearbyPDQ(_ base: PDQHash, flipping count: Int, _ random: inout SplitMix64) -> PDQHash {
        var hash = base
        for _ in 0..<count { hash[bit: Int(random.next() % 256)].toggle() }
        return hash
    }

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
}
