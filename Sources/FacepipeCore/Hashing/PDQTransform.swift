import Foundation

/// PDQ's frequency-domain step and quality score, transcribed from the reference
/// (ThreatExchange `pdq/cpp/hashing/pdqhashing.cpp`). `Float` throughout, summed in the
/// reference's order, so results match it exactly.
enum PDQTransform {
    /// Reference `dct_matrix_64`: 16 × 64, row-major,
    /// `D[i][j] = √(2/64) · cos(π/2/64 · (i+1) · (2j+1))`. Rows start at frequency 1,
    /// so the DC term is never computed: the hash only sees structure, not brightness.
    static let dctMatrix: [Float] = {
        let scale = Float((2.0 / 64.0).squareRoot())
        var matrix = [Float](repeating: 0, count: 16 * 64)
        for i in 0..<16 {
            for j in 0..<64 {
                // Same association and double → float rounding as the C++.
                let angle = (Double.pi / 2.0 / 64.0) * Double(i + 1) * Double(2 * j + 1)
                matrix[i * 64 + j] = Float(Double(scale) * cos(angle))
            }
        }
        return matrix
    }()

    /// Reference `dct64To16`: B = D · A · Dᵀ for the 64×64 image A, giving 16×16 (row-major).
    static func dct64To16(_ image: [Float]) -> [Float] {
        let d = dctMatrix
        var partial = [Float](repeating: 0, count: 16 * 64)  // T = D · A
        for i in 0..<16 {
            for j in 0..<64 {
                var sum: Float = 0
                for k in 0..<64 { sum += d[i * 64 + k] * image[k * 64 + j] }
                partial[i * 64 + j] = sum
            }
        }
        var block = [Float](repeating: 0, count: 16 * 16)  // B = T · Dᵀ
        for i in 0..<16 {
            for j in 0..<16 {
                var sum: Float = 0
                for k in 0..<64 { sum += partial[i * 64 + k] * d[j * 64 + k] }
                block[i * 16 + j] = sum
            }
        }
        return block
    }

    /// Reference `pdqBuffer16x16ToBits`: bit k = i·16 + j is set when B[i][j] exceeds the
    /// median. The reference's Torben median returns, for 256 values, the 128th smallest
    /// (the lower median), which is what sorting gives here.
    static func bits(of block: [Float]) -> PDQHash {
        let median = block.sorted()[127]
        var hash = PDQHash.zero
        for (k, value) in block.enumerated() where value > median {
            hash[bit: k] = true
        }
        return hash
    }

    /// Reference `pdqImageDomainQualityMetric`: the sum of absolute neighbour differences
    /// in the 64×64 image, each quantised to whole percents of full scale (so only
    /// significant gradients count), divided by 90 and capped at 100.
    static func quality(of image: [Float]) -> Int {
        var gradientSum = 0
        for i in 0..<63 {
            for j in 0..<64 {
                gradientSum += abs(Int((image[i * 64 + j] - image[(i + 1) * 64 + j]) * 100 / 255))
            }
        }
        for i in 0..<64 {
            for j in 0..<63 {
                gradientSum += abs(Int((image[i * 64 + j] - image[i * 64 + j + 1]) * 100 / 255))
            }
        }
        return min(gradientSum / 90, 100)
    }
}
