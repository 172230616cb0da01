import Foundation

/// In-memory duplicate lookup over 256-bit PDQ hashes: the same design as `HashIndex`
/// (value type, struct-of-arrays, linear XOR + popcount scan, O(1) swap-remove), with
/// each hash stored as four consecutive words (`word0…word3`) so one entry is one
/// contiguous 32-byte run.
public struct PDQHashIndex: Sendable {
    private var slots = IndexSlots()
    private var words: [UInt64] = []  // 4 per entry

    public init() {}

    public init(minimumCapacity: Int) {
        reserveCapacity(minimumCapacity)
    }

    public var count: Int { slots.count }
    public var isEmpty: Bool { slots.count == 0 }

    public func contains(_ id: UUID) -> Bool { slots.slot(of: id) != nil }

    public func hash(for id: UUID) -> PDQHash? {
        slots.slot(of: id).map { slot in
            PDQHash(word0: words[4 * slot], word1: words[4 * slot + 1],
                    word2: words[4 * slot + 2], word3: words[4 * slot + 3])
        }
    }

    /// Adds `id`, or replaces its hash if already present. Returns `true` if it was new.
    @discardableResult
    public mutating func insert(id: UUID, hash: PDQHash) -> Bool {
        if let slot = slots.slot(of: id) {
            store(hash, at: slot)
            return false
        }
        _ = slots.append(id)
        words.append(contentsOf: [hash.word0, hash.word1, hash.word2, hash.word3])
        return true
    }

    /// Removes `id` in O(1) (the last entry moves into its slot). Returns `false` if absent.
    @discardableResult
    public mutating func remove(id: UUID) -> Bool {
        guard let slot = slots.remove(id) else { return false }
        let lastStart = words.count - 4
        if 4 * slot < lastStart {
            for offset in 0..<4 { words[4 * slot + offset] = words[lastStart + offset] }
        }
        words.removeLast(4)
        return true
    }

    /// Every entry within `maxDistance` bits of `hash`, nearest first (ties in no
    /// particular order). A negative `maxDistance` matches nothing.
    public func query(_ hash: PDQHash, maxDistance: Int) -> [HashMatch] {
        guard maxDistance >= 0 else { return [] }
        let limit = min(maxDistance, 256)
        var matches: [HashMatch] = []
        let ids = slots.ids
        words.withUnsafeBufferPointer { stored in
            for slot in 0..<ids.count {
                let base = 4 * slot
                // Unrelated hashes already differ in ~64 of the first 128 bits, so most
                // entries are rejected before the second half is counted (popcount is
                // software-emulated on the baseline x86-64 target, so it is the cost).
                let firstHalf = (stored[base] ^ hash.word0).nonzeroBitCount
                    + (stored[base + 1] ^ hash.word1).nonzeroBitCount
                if firstHalf > limit { continue }
                let distance = firstHalf + (stored[base + 2] ^ hash.word2).nonzeroBitCount
                    + (stored[base + 3] ^ hash.word3).nonzeroBitCount
                if distance <= limit {
                    matches.append(HashMatch(id: ids[slot], distance: distance))
                }
            }
        }
        return HashMatch.sortedByDistance(matches, maxDistance: limit)
    }

    public mutating func reserveCapacity(_ capacity: Int) {
        slots.reserveCapacity(capacity)
        words.reserveCapacity(4 * capacity)
    }

    private mutating func store(_ hash: PDQHash, at slot: Int) {
        words[4 * slot] = hash.word0
        words[4 * slot + 1] = hash.word1
        words[4 * slot + 2] = hash.word2
        words[4 * slot + 3] = hash.word3
    }
}
