import Foundation

/// The in-memory index behind near-duplicate lookups: each entry is an image's pHash and PDQ
/// hash, and a query returns every entry within *both* limits, the way `DuplicateRule` links
/// (PDQ and pHash must agree). Because every answer is within `maxPHash` bits of the query's
/// 64-bit pHash, the index only has to search that small radius, which multi-index hashing
/// does exactly (Norouzi et al., "Fast search in Hamming space with multi-index hashing"):
///
/// - the pHash is cut into three chunks of 21, 21 and 22 bits, each with a table of buckets;
/// - two hashes within `d` bits differ in at most `d / 3` bits in at least one chunk
///   (pigeonhole), so walking, in each table, the buckets within `d / 3` bits of the query's
///   chunk visits every answer. For the rule's `d = 8` that is 232 + 232 + 254 buckets (about
///   2,800 entries at 10M) instead of a scan of every entry;
/// - each visited entry is checked on its whole pHash, then its PDQ hash. An entry that two
///   tables both reach is reported by the first one only.
///
/// Buckets use the low `bucketBits` bits of a chunk, which grow with the index (about two
/// entries per bucket, up to a chunk's full width: at 10M the 21-bit tables hold about five), so
/// a small index keeps small tables. Growing rebuilds the chains (a pause of about a second at
/// millions of entries; `reserveCapacity` sizes them at once). Buckets chain their entries
/// through `next`, so inserts and removals are O(1) plus one bucket's walk. A radius too wide for
/// the tables to help (more buckets than entries, or more than 3 bits per chunk: pHash limits
/// of 12 and above) is answered by a plain scan.
///
/// Real pHashes are not uniform: a corpus of near-identical screenshots fills some buckets more
/// than random hashes would, and its lookups walk longer chains (all of them candidates).
///
/// Memory per entry: 16 bytes of id, ~32 of id → slot map, 8 of pHash, 32 of PDQ and 12 of
/// chain links, plus the bucket heads (4 bytes each, at most 8M). `facepipe bench
/// duplicate-lookup` measures it at 10M.
public struct DuplicateHashIndex: Sendable {
    /// Where each chunk starts in the 64-bit pHash, and how wide it is.
    static let chunkShifts: [UInt64] = [0, 21, 42]
    static let chunkWidths = [21, 21, 22]
    static let minimumBucketBits = 10
    static let maximumBucketBits = 22  // the widest chunk

    private var slots = IndexSlots()
    private var phashes: [UInt64] = []
    private var pdqWords: [UInt64] = []  // 4 per entry
    /// Per table, the first slot of each bucket's chain (-1: empty).
    private var heads: [[Int32]]
    /// Three per slot (one per table): the next slot in that table's bucket, -1 at the end.
    private var next: [Int32] = []
    private var bucketBits: Int

    public init() {
        bucketBits = Self.minimumBucketBits
        heads = Self.emptyHeads(bucketBits)
    }

    public init(minimumCapacity: Int) {
        self.init()
        reserveCapacity(minimumCapacity)
    }

    public var count: Int { slots.count }
    public var isEmpty: Bool { slots.count == 0 }

    public func contains(_ id: UUID) -> Bool { slots.slot(of: id) != nil }

    /// How many low bits of a chunk pick its bucket (10 when small, 22 at most): it grows with
    /// the index.
    public var bucketWidth: Int { bucketBits }

    /// Adds `id`, or replaces its hashes if already present. Returns `true` if it was new.
    @discardableResult
    public mutating func insert(id: UUID, phash: UInt64, pdq: PDQHash) -> Bool {
        let existed = remove(id: id)
        let slot = slots.append(id)
        phashes.append(phash)
        pdqWords.append(contentsOf: [pdq.word0, pdq.word1, pdq.word2, pdq.word3])
        next.append(contentsOf: [-1, -1, -1])
        if !grow(toHold: slots.count) { link(slot) }  // a rebuild links every slot, this one too
        return !existed
    }

    /// Removes `id`: its chains are unlinked and the last entry moves into its slot.
    /// Returns `false` if absent.
    @discardableResult
    public mutating func remove(id: UUID) -> Bool {
        guard let slot = slots.slot(of: id) else { return false }
        let last = slots.count - 1
        for table in 0..<3 { replace(slot, in: table, bucketOf: slot, with: next[3 * slot + table]) }
        if slot != last {
            for table in 0..<3 { replace(last, in: table, bucketOf: last, with: Int32(slot)) }
            phashes[slot] = phashes[last]
            for word in 0..<4 { pdqWords[4 * slot + word] = pdqWords[4 * last + word] }
            for table in 0..<3 { next[3 * slot + table] = next[3 * last + table] }
        }
        _ = slots.remove(id)
        phashes.removeLast()
        pdqWords.removeLast(4)
        next.removeLast(3)
        return true
    }

    /// Every entry within `maxPHash` bits of `phash` and `maxPDQ` bits of `pdq`, in no
    /// particular order; `distance` is the PDQ distance. A negative limit matches nothing.
    public func query(phash: UInt64, pdq: PDQHash, maxPHash: Int, maxPDQ: Int) -> [HashMatch] {
        guard maxPHash >= 0, maxPDQ >= 0, !isEmpty else { return [] }
        let radius = maxPHash / 3
        let masks = (0..<3).map { maskBits(table: $0) }
        let buckets = masks.reduce(0) { $0 + Self.ballSize(bits: $1, radius: radius) }
        var matches: [HashMatch] = []
        let ids = slots.ids
        if radius > 3 || buckets >= count {
            for slot in 0..<count where (phashes[slot] ^ phash).nonzeroBitCount <= maxPHash {
                if let distance = pdqDistance(slot, pdq, maxPDQ) {
                    matches.append(HashMatch(id: ids[slot], distance: distance))
                }
            }
            return matches
        }
        // Chains are walked through raw buffers: each step is a cache miss or two at 10M entries,
        // and the checks an array subscript adds were a measurable share of the rest.
        phashes.withUnsafeBufferPointer { stored in
            next.withUnsafeBufferPointer { links in
                for table in 0..<3 {
                    let mask = UInt64(1) << UInt64(masks[table]) - 1
                    let key = phash >> Self.chunkShifts[table] & mask
                    heads[table].withUnsafeBufferPointer { head in
                        Self.forEachKey(within: radius, of: key, bits: masks[table]) { bucket in
                            var slot = head[Int(bucket)]
                            while slot >= 0 {
                                let s = Int(slot)
                                if (stored[s] ^ phash).nonzeroBitCount <= maxPHash,
                                   let distance = pdqDistance(s, pdq, maxPDQ),
                                   !(0..<table).contains(where: { reached(s, phash, table: $0, radius: radius, masks: masks) }) {
                                    matches.append(HashMatch(id: ids[s], distance: distance))
                                }
                                slot = links[3 * s + table]
                            }
                        }
                    }
                }
            }
        }
        return matches
    }

    /// Room for `capacity` entries, buckets included (no rebuild while filling up to it).
    public mutating func reserveCapacity(_ capacity: Int) {
        slots.reserveCapacity(capacity)
        phashes.reserveCapacity(capacity)
        pdqWords.reserveCapacity(4 * capacity)
        next.reserveCapacity(3 * capacity)
        grow(toHold: capacity)
    }

    // MARK: - Chains

    /// The PDQ distance when `slot` is within `maxPDQ`, else nil. Callers check the pHash first:
    /// it is one word and rejects nearly everything.
    @inline(__always)
    private func pdqDistance(_ slot: Int, _ pdq: PDQHash, _ maxPDQ: Int) -> Int? {
        let base = 4 * slot
        let distance = (pdqWords[base] ^ pdq.word0).nonzeroBitCount + (pdqWords[base + 1] ^ pdq.word1).nonzeroBitCount
            + (pdqWords[base + 2] ^ pdq.word2).nonzeroBitCount + (pdqWords[base + 3] ^ pdq.word3).nonzeroBitCount
        return distance <= maxPDQ ? distance : nil
    }

    /// Whether a query walking `table`'s buckets within `radius` reaches `slot`.
    @inline(__always)
    private func reached(_ slot: Int, _ phash: UInt64, table: Int, radius: Int, masks: [Int]) -> Bool {
        let mask = UInt64(1) << UInt64(masks[table]) - 1
        return ((phashes[slot] ^ phash) >> Self.chunkShifts[table] & mask).nonzeroBitCount <= radius
    }

    private func maskBits(table: Int) -> Int { min(bucketBits, Self.chunkWidths[table]) }

    private func bucket(of slot: Int, table: Int) -> Int {
        Int(phashes[slot] >> Self.chunkShifts[table] & (UInt64(1) << UInt64(maskBits(table: table)) - 1))
    }

    /// Puts `slot` at the head of its bucket in every table.
    private mutating func link(_ slot: Int) {
        for table in 0..<3 {
            let bucket = bucket(of: slot, table: table)
            next[3 * slot + table] = heads[table][bucket]
            heads[table][bucket] = Int32(slot)
        }
    }

    /// In `table`'s chain of `target`'s bucket, makes whatever pointed at `target` point at
    /// `replacement` instead (unlinks `target` when `replacement` is its own successor).
    private mutating func replace(_ target: Int, in table: Int, bucketOf: Int, with replacement: Int32) {
        let bucket = bucket(of: bucketOf, table: table)
        if heads[table][bucket] == Int32(target) {
            heads[table][bucket] = replacement
            return
        }
        var slot = Int(heads[table][bucket])
        while slot >= 0 {
            let link = 3 * slot + table
            if next[link] == Int32(target) {
                next[link] = replacement
                return
            }
            slot = Int(next[link])
        }
        preconditionFailure("DuplicateHashIndex: slot \(target) missing from its bucket")
    }

    /// Wider buckets for `entries` (about two entries per bucket), chains rebuilt. Returns
    /// whether it rebuilt them.
    @discardableResult
    private mutating func grow(toHold entries: Int) -> Bool {
        let old = bucketBits
        while entries > 2 << bucketBits, bucketBits < Self.maximumBucketBits { bucketBits += 1 }
        guard bucketBits != old else { return false }
        heads = Self.emptyHeads(bucketBits)
        for slot in 0..<slots.count { link(slot) }
        return true
    }

    private static func emptyHeads(_ bits: Int) -> [[Int32]] {
        chunkWidths.map { [Int32](repeating: -1, count: 1 << min(bits, $0)) }
    }

    /// Keys of `bits` bits within `radius` (at most 3) bits of `key`, each once.
    @inline(__always)
    public static func forEachKey(within radius: Int, of key: UInt64, bits: Int, _ body: (UInt64) -> Void) {
        body(key)
        guard radius >= 1 else { return }
        for i in 0..<bits {
            let one = key ^ (1 << UInt64(i))
            body(one)
            guard radius >= 2 else { continue }
            for j in 0..<i {
                let two = one ^ (1 << UInt64(j))
                body(two)
                guard radius >= 3 else { continue }
                for k in 0..<j { body(two ^ (1 << UInt64(k))) }
            }
        }
    }

    /// How many keys of `bits` bits lie within `radius` bits of one key.
    public static func ballSize(bits: Int, radius: Int) -> Int {
        var total = 0
        var choose = 1  // C(bits, r)
        for r in 0...max(0, radius) {
            if r > bits { break }
            total += choose
            choose = choose * (bits - r) / (r + 1)
        }
        return total
    }
}
