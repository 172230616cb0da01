/// Vector helpers shared by every `FaceEmbedder`.
public enum EmbedderMath {
    /// `vector / |vector|`; nil for a zero or non-finite vector (nothing to compare).
    public static func l2Normalized(_ vector: [Float]) -> [Float]? {
        let norm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        guard norm.isFinite, norm > 0 else { return nil }
        return vector.map { $0 / norm }
    }

    /// Euclidean distance; vectors must have the same length.
    public static func distance(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "vectors of different lengths: \(a.count) and \(b.count)")
        var sum: Float = 0
        for i in a.indices {
            let d = a[i] - b[i]
            sum += d * d
        }
        return sum.squareRoot()
    }
}
