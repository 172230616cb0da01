import Foundation

/// Vectors spread like dlib's embeddings of real photos (`facepipe bench face-calibration`):
/// identities are isotropic Gaussian clusters around one common direction; two photos of one
/// person have cosine similarity ≈ 0.96 (dlib: 0.95–0.97), two people ≈ 0.82–0.85. A vector of
/// 128 N(0, σ²) draws has squared length ≈ 128σ², hence the spreads. The same recipe as the
/// SQL that `facepipe bench faces` fills its table with, for in-memory tests and benchmarks.
public struct SyntheticFaceVectors: Sendable {
    public static let identitySpread: Float = 0.0365
    public static let photoNoise: Float = 0.018
    private var random: SplitMix64
    public let centre: [Float]

    public init(seed: UInt64) {
        random = SplitMix64(seed: seed)
        var centre = [Float](repeating: 0, count: 128)
        for j in 0..<128 { centre[j] = Self.normal(&random) }
        self.centre = Self.normalized(centre)
    }

    /// A new person: the centre of their photos.
    public mutating func identity() -> [Float] {
        Self.normalized((0..<128).map { centre[$0] + Self.identitySpread * Self.normal(&random) })
    }

    /// One photo of the person.
    public mutating func photo(of identity: [Float]) -> [Float] {
        Self.normalized((0..<128).map { identity[$0] + Self.photoNoise * Self.normal(&random) })
    }

    public static func normalized(_ v: [Float]) -> [Float] {
        let length = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return length > 0 ? v.map { $0 / length } : v
    }

    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var dot: Float = 0
        for j in 0..<a.count { dot += a[j] * b[j] }
        return dot
    }

    /// Box–Muller: a standard normal draw.
    static func normal(_ random: inout SplitMix64) -> Float {
        let u1 = Double(random.next() >> 11 + 1) / Double(1 << 53 + 1)
        let u2 = Double(random.next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}
