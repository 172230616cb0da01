import CFaceScan
import Dispatch
import Foundation

/// Nearest faces among every stored embedding, in memory: what face search, report links and
/// identities ask, without pgvector's HNSW graph (which found 0.909 of the exact top 10 at 1M
/// faces, p95 ≈ 30 ms, and made each saved embedding cost 20–34 ms). The caller ranks the
/// candidates it gets here exactly, on the stored `real` vectors; this index only has to make
/// sure the true nearest are among them.
///
/// Each face is held twice, quantized:
/// - **int8** (128 bytes and a scale): the vector times `127 / max |xⱼ|`, so no component is
///   ever clipped. dlib's components stay within about ±0.3, a step of ≈ 0.0025: a tenth of
///   how far two photos of one person differ per component. int8 scores order candidates
///   almost exactly; they refine the 4-bit pass and answer alone while the index is small.
/// - **4 bits** (64 bytes), centred and scaled per dimension with the index's own mean and
///   spread (dlib's vectors share a large common direction: raw 4-bit steps would be coarser
///   than the differences between people). The full scan reads these: it is bound by memory
///   bandwidth, so half the bytes is nearly half the time. The statistics are taken again, and
///   every face re-packed, whenever the index has doubled since they were last taken.
///
/// A query scans the 4-bit rows for the best `prefilter(count)` (two threads at scale), scores
/// those again in int8 and answers the best `count`.
public struct FaceVectorIndex: Sendable {
    public static let dimensions = 128
    /// Below this many faces every int8 row is scored (a few hundred kilobytes).
    public static let packedFrom = 1024
    /// 4-bit levels 1…15 cover ±7 steps of `packedStep` standard deviations around the mean.
    static let packedStep: Float = 2.5 / 7

    public struct Candidate: Sendable, Equatable {
        public var faceID: UUID
        public var imageID: UUID
        /// Cosine similarity from the int8 rows (within a few thousandths of the stored vectors').
        public var similarity: Double
    }

    /// Scans of at least this many rows run in two halves at once (tests lower it).
    let parallelFrom: Int
    private var faceIDs: [UUID] = []
    private var imageIDs: [UUID] = []
    private var slots: [UUID: Int32] = [:]
    /// Faces per image, so erasing an image without faces here costs nothing.
    private var faceCounts: [UUID: Int32] = [:]
    private var int8Rows: [Int8] = []
    /// Each int8 row's factor: row = round(vector · scale).
    private var scales: [Float] = []
    private var packedRows: [UInt8] = []
    private var statistics: Statistics?

    /// Per-dimension mean and spread the 4-bit rows are packed with.
    struct Statistics: Sendable {
        var mean: [Float]
        var spread: [Float]
        var takenAt: Int
    }

    public init(parallelFrom: Int = 100_000) {
        self.parallelFrom = parallelFrom
    }

    public var count: Int { faceIDs.count }

    public func contains(_ faceID: UUID) -> Bool { slots[faceID] != nil }

    /// Adds the face, or replaces its vector (a face embedded again). Scores are cosine
    /// similarities: the vector is normalised first. One with no direction (all zeros, or not
    /// finite) is left out: no similarity can be computed for it.
    public mutating func insert(faceID: UUID, imageID: UUID, vector: [Float]) {
        precondition(vector.count == Self.dimensions, "face vectors have \(Self.dimensions) dimensions")
        guard let unit = Self.unit(vector) else {
            remove(faceID: faceID)
            return
        }
        let (row, scale) = Self.int8(unit)
        let stored = row.map { Float($0) / scale }
        if let slot = slots[faceID].map(Int.init) {
            if imageIDs[slot] != imageID {
                uncount(imageIDs[slot])
                faceCounts[imageID, default: 0] += 1
            }
            imageIDs[slot] = imageID
            scales[slot] = scale
            int8Rows.replaceSubrange(slot * 128 ..< slot * 128 + 128, with: row)
            if let statistics { packedRows.replaceSubrange(slot * 64 ..< slot * 64 + 64, with: Self.pack(stored, statistics)) }
            return
        }
        slots[faceID] = Int32(faceIDs.count)
        faceCounts[imageID, default: 0] += 1
        faceIDs.append(faceID)
        imageIDs.append(imageID)
        scales.append(scale)
        int8Rows.append(contentsOf: row)
        if let statistics { packedRows.append(contentsOf: Self.pack(stored, statistics)) }
        if count >= Self.packedFrom, count >= 2 * (statistics?.takenAt ?? 0) { repack() }
    }

    public mutating func remove(faceID: UUID) {
        guard let slot = slots.removeValue(forKey: faceID).map(Int.init) else { return }
        uncount(imageIDs[slot])
        let last = faceIDs.count - 1
        if slot != last {
            // The last face moves into the hole.
            faceIDs[slot] = faceIDs[last]
            imageIDs[slot] = imageIDs[last]
            scales[slot] = scales[last]
            slots[faceIDs[slot]] = Int32(slot)
            int8Rows.withUnsafeMutableBufferPointer { rows in
                for j in 0..<128 { rows[slot * 128 + j] = rows[last * 128 + j] }
            }
            if statistics != nil {
                packedRows.withUnsafeMutableBufferPointer { rows in
                    for j in 0..<64 { rows[slot * 64 + j] = rows[last * 64 + j] }
                }
            }
        }
        faceIDs.removeLast()
        imageIDs.removeLast()
        scales.removeLast()
        int8Rows.removeLast(128)
        if statistics != nil { packedRows.removeLast(64) }
    }

    private mutating func uncount(_ imageID: UUID) {
        if let left = faceCounts[imageID], left > 1 { faceCounts[imageID] = left - 1 } else { faceCounts[imageID] = nil }
    }

    /// Removes every face of the image (an erased image): a scan of the rows when the image has
    /// faces here, nothing otherwise.
    public mutating func removeImage(_ imageID: UUID) {
        guard faceCounts[imageID] != nil else { return }
        for face in zip(faceIDs, imageIDs).filter({ $0.1 == imageID }).map(\.0) { remove(faceID: face) }
    }

    /// The face's vector as the index holds it (int8 steps), to ask for its neighbours.
    public func vector(of faceID: UUID) -> [Float]? {
        slots[faceID].flatMap { vector(at: Int($0)) }
    }

    /// How many 4-bit candidates a query for `count` re-scores in int8.
    public static func prefilter(_ count: Int) -> Int { max(1000, 20 * count) }

    /// The `count` faces most similar to `vector` by their int8 rows, most similar first,
    /// leaving out faces of `excludingImage`.
    public func nearest(to vector: [Float], count: Int, excludingImage: UUID? = nil) -> [Candidate] {
        precondition(vector.count == Self.dimensions, "face vectors have \(Self.dimensions) dimensions")
        guard count > 0, !faceIDs.isEmpty, let vector = Self.unit(vector) else { return [] }
        let (query, queryScale) = Self.int8(vector)
        // Room for the excluded image's own faces, which are usually its nearest.
        let wanted = count + (excludingImage == nil ? 0 : 16)
        let at: [UInt32]
        if let statistics {
            at = scanPacked(query: Self.packedQuery(vector, statistics), count: Self.prefilter(wanted))
        } else {
            at = (0..<UInt32(faceIDs.count)).map { $0 }
        }
        var dots = [Int32](repeating: 0, count: at.count)
        int8Rows.withUnsafeBufferPointer { rows in
            cfs_dots_i8_at(rows.baseAddress!, at, at.count, query, &dots)
        }
        var scored: [(slot: Int, similarity: Double)] = []
        scored.reserveCapacity(at.count)
        for (slot, dot) in zip(at, dots) {
            let slot = Int(slot)
            scored.append((slot, Double(dot) / Double(scales[slot] * queryScale)))
        }
        scored.sort { $0.similarity > $1.similarity || ($0.similarity == $1.similarity && $0.slot < $1.slot) }
        var result: [Candidate] = []
        result.reserveCapacity(count)
        for (slot, similarity) in scored where result.count < count && imageIDs[slot] != excludingImage {
            result.append(Candidate(faceID: faceIDs[slot], imageID: imageIDs[slot], similarity: similarity))
        }
        return result
    }

    /// The int8 similarities of the given faces to `vector`, as `nearest` scores them (faces not
    /// held here are left out): for faces that came in after a scan.
    public func scores(of faces: [UUID], to vector: [Float]) -> [Candidate] {
        precondition(vector.count == Self.dimensions, "face vectors have \(Self.dimensions) dimensions")
        guard let vector = Self.unit(vector) else { return [] }
        let (query, queryScale) = Self.int8(vector)
        let at = faces.compactMap { slots[$0].map(UInt32.init) }
        guard !at.isEmpty else { return [] }
        var dots = [Int32](repeating: 0, count: at.count)
        int8Rows.withUnsafeBufferPointer { rows in
            cfs_dots_i8_at(rows.baseAddress!, at, at.count, query, &dots)
        }
        return zip(at, dots).map { slot, dot in
            let slot = Int(slot)
            return Candidate(faceID: faceIDs[slot], imageID: imageIDs[slot], similarity: Double(dot) / Double(scales[slot] * queryScale))
        }
    }

    /// The best `count` 4-bit rows by the kernel's score; in two halves at once at scale.
    private func scanPacked(query: [Int8], count: Int) -> [UInt32] {
        let total = faceIDs.count
        let parts = total >= parallelFrom ? 2 : 1
        let k = min(count, total)
        var indices = [UInt32](repeating: 0, count: k * parts)
        var scores = [Int32](repeating: 0, count: k * parts)
        var written = [Int](repeating: 0, count: parts)
        indices.withUnsafeMutableBufferPointer { indices in
            scores.withUnsafeMutableBufferPointer { scores in
                written.withUnsafeMutableBufferPointer { written in
                    let indices = indices.baseAddress!, scores = scores.baseAddress!, written = written.baseAddress!
                    query.withUnsafeBufferPointer { query in
                        packedRows.withUnsafeBufferPointer { rows in
                            let scan = PartScan(rows: rows.baseAddress!, total: total, parts: parts, k: k, query: query.baseAddress!,
                                                indices: indices, scores: scores, written: written)
                            if parts == 1 { scan.run(part: 0) } else { DispatchQueue.concurrentPerform(iterations: parts) { scan.run(part: $0) } }
                        }
                    }
                }
            }
        }
        var merged: [(slot: UInt32, score: Int32)] = []
        merged.reserveCapacity(written.reduce(0, +))
        for part in 0..<parts {
            for i in 0..<written[part] { merged.append((indices[part * k + i], scores[part * k + i])) }
        }
        if parts > 1 {
            merged.sort { $0.score > $1.score || ($0.score == $1.score && $0.slot < $1.slot) }
            merged.removeLast(max(0, merged.count - k))
        }
        return merged.map(\.slot)
    }

    /// One part of a scan: its rows, and its own stretch of the output buffers. Parts write
    /// disjoint memory and the arrays outlive `concurrentPerform`, hence `@unchecked`.
    private struct PartScan: @unchecked Sendable {
        let rows: UnsafePointer<UInt8>
        let total, parts, k: Int
        let query: UnsafePointer<Int8>
        let indices: UnsafeMutablePointer<UInt32>
        let scores: UnsafeMutablePointer<Int32>
        let written: UnsafeMutablePointer<Int>

        func run(part: Int) {
            let first = total * part / parts, end = total * (part + 1) / parts
            written[part] = cfs_top_u4(rows + first * 64, end - first, query, k, first, indices + part * k, scores + part * k)
        }
    }

    // MARK: Quantization

    /// The vector at length 1; nil when it has no direction or is not finite.
    static func unit(_ vector: [Float]) -> [Float]? {
        let length = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        guard length > 0, length.isFinite else { return nil }
        return vector.map { $0 / length }
    }

    /// The vector scaled so its largest component is ±127, rounded; and the scale.
    static func int8(_ vector: [Float]) -> (row: [Int8], scale: Float) {
        let largest = vector.map(abs).max() ?? 0
        guard largest > 0, largest.isFinite else { return ([Int8](repeating: 0, count: vector.count), 1) }
        let scale = 127 / largest
        return (vector.map { Int8(max(-127, min(127, ($0 * scale).rounded()))) }, scale)
    }

    /// Takes the per-dimension statistics again and packs every face with them.
    private mutating func repack() {
        let n = faceIDs.count
        var sum = [Double](repeating: 0, count: 128), squares = [Double](repeating: 0, count: 128)
        int8Rows.withUnsafeBufferPointer { rows in
            for i in 0..<n {
                let scale = Double(scales[i])
                for j in 0..<128 {
                    let x = Double(rows[i * 128 + j]) / scale
                    sum[j] += x
                    squares[j] += x * x
                }
            }
        }
        var mean = [Float](repeating: 0, count: 128), spread = [Float](repeating: 0, count: 128)
        for j in 0..<128 {
            let m = sum[j] / Double(n)
            mean[j] = Float(m)
            // Never zero, so a constant dimension still divides safely.
            spread[j] = Float(max(max(0, squares[j] / Double(n) - m * m).squareRoot(), 1e-4))
        }
        let statistics = Statistics(mean: mean, spread: spread, takenAt: n)
        var packed = [UInt8]()
        packed.reserveCapacity(n * 64)
        for i in 0..<n {
            guard let vector = vector(at: i) else { continue }
            packed.append(contentsOf: Self.pack(vector, statistics))
        }
        self.packedRows = packed
        self.statistics = statistics
    }

    private func vector(at slot: Int) -> [Float]? {
        slot < faceIDs.count ? int8Rows[slot * 128 ..< slot * 128 + 128].map { Float($0) / scales[slot] } : nil
    }

    /// 4-bit levels of one face: dimension j in byte j's low nibble, dimension j + 64 in its high one.
    static func pack(_ vector: [Float], _ statistics: Statistics) -> [UInt8] {
        var levels = [UInt8](repeating: 8, count: 128)
        for j in 0..<128 {
            let centred = (vector[j] - statistics.mean[j]) / statistics.spread[j]
            levels[j] = UInt8(max(1, min(15, (centred / packedStep).rounded() + 8)))
        }
        return (0..<64).map { levels[$0] | levels[$0 + 64] << 4 }
    }

    /// The query for the 4-bit rows: each component weighted by its dimension's spread (the
    /// levels are centred, scaled copies: q · x = q · mean + Σ qⱼ · spreadⱼ · levelⱼ · step +
    /// a constant), then scaled to ±127.
    static func packedQuery(_ vector: [Float], _ statistics: Statistics) -> [Int8] {
        let weighted = (0..<128).map { vector[$0] * statistics.spread[$0] }
        let largest = weighted.map(abs).max() ?? 0
        guard largest > 0, largest.isFinite else { return [Int8](repeating: 0, count: 128) }
        return weighted.map { Int8(max(-127, min(127, ($0 * 127 / largest).rounded()))) }
    }
}
