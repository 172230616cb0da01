import Foundation

/// In-memory duplicate lookup over 64-bit hashes (aHash, dHash, pHash).
///
/// Layout is struct-of-arrays: the hashes sit in one contiguous `[UInt64]` (8 MB per
/// million entries) that a query scans linearly with XOR + popcount, and the ids sit
/// in a parallel array that is only touched for matches. A linear scan is simple,
/// exact for any distance, and at a million entries fast enough (a few ms) that an
/// index structure (BK-tree, multi-index hashing) is not worth its complexity yet.
///
/// A value type: copies are cheap until one is mutated (copy-on-write arrays), and it is
/// `Sendable`, so the owner decides how to share it (an actor, a `Locked`, or a snapshot
/// handed to readers while a writer builds the next one).
public struct HashIndex: Sendable {
    private var slots = IndexSlots()
    private var hashes: [UInt64] = []

    public init() {}

    public init(minimumCapacity: Int) {
        reserveCapacity(minimumCapacity)
    }

    public var count: Int { hashes.count }
    public var isEmpty: Bool { hashes.isEmpty }

    public func contains(_ id: UUID) -> Bool { slots.slot(of: id) != nil }

    public func hash(for id: UUID) -> UInt64? {
        slots.slot(of: id).map { hashes[$0] }
    }

    /// Adds `id`, or replaces its hash if already present. Returns `true` if it was new.
    @discardableResult
    public mutating func insert(id: UUID, hash: UInt64) -> Bool {
        if let slot = slots.slot(of: id) {
            hashes[slot] = hash
            return false
        }
        _ = slots.append(id)
        hashes.append(hash)
        return true
    }

    /// Removes `id` in O(1) (the last entry moves into its slot). Returns `false` if absent.
    @discardableResult
    public mutating func remove(id: UUID) -> Bool {
        guard let slot = slots.remove(id) else { return false }
        let last = hashes.removeLast()
        if slot < hashes.count { hashes[slot] = last }
        return true
    }

    /// Every entry within `maxDistance` bits of `hash`, nearest first (ties in no
    /// particular order). A negative `maxDistance` matches nothing.
    public func query(_ hash: UInt64, maxDistance: Int) -> [HashMatch] {
        guard maxDistance >= 0 else { return [] }
        let limit = min(maxDistance, 64)
        var matches: [HashMatch] = []
        let ids = slots.ids
        hashes.withUnsafeBufferPointer { stored in
            for slot in stored.indices {
                let distance = (stored[slot] ^ hash).nonzeroBitCount
                if distance <= limit {
                    matches.append(HashMatch(id: ids[slot], distance: distance))
                }
            }
        }
        return HashMatch.sortedByDistance(matches, maxDistance: limit)
    }

    public mutating func reserveCapacity(_ capacity: Int) {
        slots.reserveCapacity(capacity)
        hashes.reserveCapacity(capacity)
    }
}
