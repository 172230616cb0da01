import Foundation

/// pHash (DCT hash).
///
/// Input: 32×32 = 1024 luminance bytes, row-major, p[y][x].
///
/// 1. Unnormalised 2-D DCT-II, only the low-frequency 8×8 corner:
///    `C[u][v] = Σ_y Σ_x p[y][x] · cos(π·u·(2y+1)/64) · cos(π·v·(2x+1)/64)` for u, v in 0..<8
///    (u = vertical frequency = row of the block, v = horizontal). No 1/√2 weight on
///    u = 0 or v = 0: with orthonormal weights the first row and column would be scaled
///    differently from the rest and could compare differently against the median, so
///    the choice matters; this is the same shape as SciPy's default `dct` (up to a
///    uniform factor 4, which thresholding ignores).
/// 2. Threshold m = median of the 63 AC coefficients (all but C[0][0]); 63 is odd, so
///    m is the 32nd smallest, itself one of the coefficients.
/// 3. Bit index i = u·8 + v is set when `C[u][v] > m` (C[0][0] is compared too) and is
///    stored as bit `63 − i`: C[0][0] is the most significant bit.
///
/// Cosine sums that are exactly zero in real arithmetic come out as ±1e-12-ish in
/// floating point; coefficients within `1e-9 · Σp` of zero are therefore taken as zero,
/// so flat and symmetric images get a stable hash instead of one decided by rounding.
extension PerceptualHash {
    public static let dctHashSize = 32

    public static func pHash(_ pixels: [UInt8]) throws(PerceptualHashError) -> UInt64 {
        try requireCount(pixels.count, dctHashSize * dctHashSize)
        let coefficients = lowFrequencyDCT(pixels)
        let median = coefficients.dropFirst().sorted()[31]
        var hash: UInt64 = 0
        for (index, coefficient) in coefficients.enumerated() where coefficient > median {
            hash |= 1 << UInt64(63 - index)
        }
        return hash
    }

    /// `cosines[k·32 + n] = cos(π·k·(2n+1)/64)` for k in 0..<8, n in 0..<32.
    static let dctHashCosines: [Double] = (0..<8).flatMap { (k: Int) -> [Double] in
        (0..<32).map { (n: Int) -> Double in
            let angle: Double = Double.pi * Double(k * (2 * n + 1)) / 64
            return cos(angle)
        }
    }

    /// The 8×8 corner C[u][v], row-major (index u·8 + v), near-zeros snapped to zero.
    static func lowFrequencyDCT(_ pixels: [UInt8]) -> [Double] {
        let c = dctHashCosines
        // Columns first: rows[u·32 + x] = Σ_y cos_u(y) · p[y][x].
        var rows = [Double](repeating: 0, count: 8 * 32)
        for u in 0..<8 {
            for y in 0..<32 {
                let weight = c[u * 32 + y]
                for x in 0..<32 {
                    rows[u * 32 + x] += weight * Double(pixels[y * 32 + x])
                }
            }
        }
        let tolerance = 1e-9 * Double(pixels.reduce(0) { $0 + Int($1) })
        var block = [Double](repeating: 0, count: 64)
        for u in 0..<8 {
            for v in 0..<8 {
                var sum = 0.0
                for x in 0..<32 { sum += rows[u * 32 + x] * c[v * 32 + x] }
                block[u * 8 + v] = abs(sum) <= tolerance ? 0 : sum
            }
        }
        return block
    }
}
