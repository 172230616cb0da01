import FacepipeCore
import Foundation
import Testing

@Suite struct PDQHashTests {
    // MARK: text form and bit order

    /// Bit k of the reference is bit k of the hex string read as a big-endian number.
    @Test func hexOrderPutsBitZeroLast() throws {
        let one = try #require(PDQHash(hex: String(repeating: "0", count: 63) + "1"))
        #expect(one[bit: 0])
        #expect(one.nonzeroBitCount == 1)
        #expect(one == PDQHash(word0: 0, word1: 0, word2: 0, word3: 1))
        let top = try #require(PDQHash(hex: "8" + String(repeating: "0", count: 63)))
        #expect(top[bit: 255])
        #expect(top == PDQHash(word0: 1 << 63, word1: 0, word2: 0, word3: 0))
        var built = PDQHash.zero
        built[bit: 64] = true  // lowest bit of the second-to-last word
        #expect(built.hex == String(repeating: "0", count: 47) + "1" + String(repeating: "0", count: 16))
    }

    @Test func hexRoundTripsAndRejectsMalformedText() throws {
        let text = "9d449670805f7bbf093b7109d765ae1da2db0587f60d74e3f0854251a44636df"
        #expect(PDQHash(hex: text)?.hex == text)
        #expect(PDQHash(hex: text.uppercased())?.hex == text)
        #expect(PDQHash(hex: String(text.dropLast())) == nil)
        #expect(PDQHash(hex: text + "0") == nil)
        #expect(PDQHash(hex: "x" + text.dropFirst()) == nil)
        #expect(PDQHash(hex: "") == nil)
    }

    @Test func hammingDistance() throws {
        let ones = PDQHash(word0: .max, word1: .max, word2: .max, word3: .max)
        #expect(PerceptualHash.pdqHammingDistance(.zero, ones) == 256)
        #expect(PerceptualHash.pdqHammingDistance(ones, ones) == 0)
        let a = try #require(PDQHash(hex: "f" + String(repeating: "0", count: 62) + "1"))
        let b = try #require(PDQHash(hex: "1" + String(repeating: "0", count: 62) + "3"))
        #expect(PerceptualHash.pdqHammingDistance(a, b) == 4)  // 3 bits in f^1, 1 in 1^3
    }

    // MARK: hand-built vectors on the 64×64 path (no blur)

    /// Builds a 64×64 image whose 16×16 PDQ DCT block is a chosen sign pattern: the sum
    /// of outer products of the DCT basis rows D_p ⊗ D_q (D[i][j] = √(2/64)·cos(π(i+1)(2j+1)/128),
    /// orthonormal, so D·A·Dᵀ recovers the weights). Weights are ±(1 + k/512), all distinct,
    /// so the lower median is the largest negative weight and the hash is exactly the set
    /// of positive weights. An offset of 128 is invisible (DC is not in the block).
    private func imageWithDCTSigns(_ positive: (_ k: Int) -> Bool) -> [Float] {
        let norm: Double = (2.0 / 64).squareRoot()
        let basis: [[Double]] = (0..<16).map { (i: Int) -> [Double] in
            (0..<64).map { (j: Int) -> Double in
                let angle: Double = Double.pi * Double((i + 1) * (2 * j + 1)) / 128
                return norm * cos(angle)
            }
        }
        var image = [Double](repeating: 128, count: 64 * 64)
        for k in 0..<256 {
            let weight = (positive(k) ? 1.0 : -1.0) * (1 + Double(k) / 512)
            let (p, q) = (k / 16, k % 16)
            for y in 0..<64 {
                for x in 0..<64 { image[y * 64 + x] += weight * basis[p][y] * basis[q][x] }
            }
        }
        return image.map { Float($0) }
    }

    /// Positive where row + column of the block is even: row i of the block is reference
    /// word w[i] (bit j); even rows 0x5555, odd rows 0xaaaa, printed from w[15] down.
    @Test func dctBlockSignsBecomeTheBits() throws {
        let image = imageWithDCTSigns { k in (k / 16 + k % 16) % 2 == 0 }
        let result = try PerceptualHash.pdq(luma: image, width: 64, height: 64)
        #expect(result.hash.hex == String(repeating: "aaaa5555", count: 8))
    }

    /// Positive exactly for the first 128 coefficients (block rows 0…7): bits 0…127.
    @Test func lowHalfOfTheBlock() throws {
        let image = imageWithDCTSigns { k in k < 128 }
        let result = try PerceptualHash.pdq(luma: image, width: 64, height: 64)
        #expect(result.hash == PDQHash(word0: 0, word1: 0, word2: .max, word3: .max))
    }

    // MARK: quality (hand-computed on the 64×64 path)

    /// Columns stepping by s: each of the 64·63 horizontal neighbour pairs scores
    /// trunc(100·s/255) and vertical pairs score 0; quality = min(sum / 90, 100).
    /// (Float luma is not clamped, and the score only sees differences.)
    @Test(arguments: [(0, 0), (2, 0), (3, 44), (4, 44), (6, 89)])
    func qualityOfAColumnRamp(step: Int, expected: Int) throws {
        let image = (0..<(64 * 64)).map { i in Float((i % 64) * step) }
        #expect(try PerceptualHash.pdq(luma: image, width: 64, height: 64).quality == expected)
    }

    /// Alternating black and white columns: 4032 pairs × 100 = 403200, /90 → capped at 100.
    @Test func qualityIsCappedAtOneHundred() throws {
        let image = (0..<(64 * 64)).map { i in Float(i % 2 == 0 ? 0 : 255) }
        #expect(try PerceptualHash.pdq(luma: image, width: 64, height: 64).quality == 100)
    }

    // MARK: properties

    @Test func smallImagesGetTheZeroHash() throws {
        for (width, height) in [(4, 100), (100, 4), (0, 0), (1, 1)] {
            let result = try PerceptualHash.pdq(luma: [UInt8](repeating: 9, count: width * height), width: width, height: height)
            #expect(result == PDQResult(hash: .zero, quality: 0))
        }
    }

    /// The median is one of the 256 values, so 128 lie strictly above it when distinct.
    @Test func texturedImagesSetHalfTheBits() throws {
        for seed in UInt64(1)...5 {
            let pixels = HashingTestImages.synthetic(kind: 1, width: 120, height: 90, seed: seed)
            #expect(try PerceptualHash.pdq(luma: pixels, width: 120, height: 90).hash.nonzeroBitCount == 128)
        }
    }

    @Test func byteAndFloatInputsAgree() throws {
        let pixels = HashingTestImages.synthetic(kind: 0, width: 150, height: 100, seed: 3)
        #expect(try PerceptualHash.pdq(luma: pixels, width: 150, height: 100)
            == PerceptualHash.pdq(luma: pixels.map(Float.init), width: 150, height: 100))
    }

    /// DC is not in the block and the blur preserves constants, so an offset changes the
    /// coefficients only by float rounding.
    @Test func brightnessOffsetBarelyMatters() throws {
        let pixels = HashingTestImages.synthetic(kind: 1, width: 200, height: 160, seed: 4).map { $0 / 2 }
        let base = try PerceptualHash.pdq(luma: pixels, width: 200, height: 160)
        let brighter = try PerceptualHash.pdq(luma: pixels.map { $0 + 100 }, width: 200, height: 160)
        #expect(PerceptualHash.pdqHammingDistance(base.hash, brighter.hash) <= 2)
        #expect(abs(base.quality - brighter.quality) <= 1)
    }

    /// Doubling the size by pixel repetition is the same picture: within Meta's
    /// suggested match threshold (31) of the original. Both sizes are ≥ 128 px so the
    /// box filter really blurs (below that its window is one pixel and block edges alias).
    @Test func upscaledCopyMatches() throws {
        let small = HashingTestImages.synthetic(kind: 1, width: 256, height: 192, seed: 8)
        let large = HashingTestImages.image(width: 512, height: 384) { x, y in small[(y / 2) * 256 + x / 2] }
        let a = try PerceptualHash.pdq(luma: small, width: 256, height: 192)
        let b = try PerceptualHash.pdq(luma: large, width: 512, height: 384)
        #expect(PerceptualHash.pdqHammingDistance(a.hash, b.hash) <= 31)
    }

    @Test func differentImagesAreFarApart() throws {
        let a = try PerceptualHash.pdq(
            luma: HashingTestImages.synthetic(kind: 1, width: 128, height: 128, seed: 1), width: 128, height: 128)
        let b = try PerceptualHash.pdq(
            luma: HashingTestImages.synthetic(kind: 1, width: 128, height: 128, seed: 2), width: 128, height: 128)
        #expect(PerceptualHash.pdqHammingDistance(a.hash, b.hash) > 64)
    }

    @Test func rejectsMismatchedBuffers() {
        #expect(throws: PerceptualHashError.wrongPixelCount(expected: 100, actual: 99)) {
            try PerceptualHash.pdq(luma: [UInt8](repeating: 0, count: 99), width: 10, height: 10)
        }
        #expect(throws: PerceptualHashError.invalidDimensions(width: -1, height: 10)) {
            try PerceptualHash.pdq(luma: [Float](), width: -1, height: 10)
        }
    }
}
