import FacepipeCore
import Testing

/// pHash. Expected values come from the DCT written out by hand:
/// for an image that varies only along x, `Σ_y cos(π·u·(2y+1)/64)` is 32 for u = 0 and 0
/// otherwise, so only the first row of the 8×8 block can be non-zero.
@Suite struct DCTHashTests {
    private func pHash(_ pixel: (_ x: Int, _ y: Int) -> UInt8) throws -> UInt64 {
        try PerceptualHash.pHash(HashingTestImages.image(width: 32, height: 32, pixel))
    }

    /// All AC coefficients are 0, so the median is 0 and only a positive DC sets a bit.
    @Test func constantImageSetsOnlyTheDCBit() throws {
        #expect(try pHash { _, _ in 0 } == 0)
        #expect(try pHash { _, _ in 200 } == 1 << 63)
    }

    /// Left half 0, right half 255. Row 0 is F(v) = 255 · Σ_{x=16..31} cos(π·v·(2x+1)/64):
    /// even v > 0 vanish (the step minus its mean is odd about the centre); for odd v,
    /// F(v) = −255 · sin(πv/2) / (2·sin(πv/64)), negative for v = 1, 5 and positive for
    /// v = 3, 7. The 63 AC values are two negatives, 59 zeros and two positives: the
    /// median is 0, and the bits set are DC (index 0), (0,3) and (0,7) → bits 63, 60, 56.
    @Test func verticalEdge() throws {
        #expect(try pHash { x, _ in x < 16 ? 0 : 255 } == 0x9100_0000_0000_0000)
    }

    /// The same edge turned horizontal puts the same signs in column 0: DC, (3,0) and
    /// (7,0), indices 0, 24, 56 → bits 63, 39, 7.
    @Test func horizontalEdge() throws {
        #expect(try pHash { _, y in y < 16 ? 0 : 255 } == 0x8000_0080_0000_0080)
    }

    /// Transposing the image transposes the coefficient block (and keeps its median).
    @Test func transposeTransposesTheBits() throws {
        for seed in UInt64(1)...10 {
            let pixels = HashingTestImages.noise(count: 1024, seed: seed)
            let hash = try PerceptualHash.pHash(pixels)
            let transposed = try PerceptualHash.pHash(HashingTestImages.transposed(pixels, size: 32))
            var expected: UInt64 = 0
            for u in 0..<8 {
                for v in 0..<8 where hash >> UInt64(63 - (u * 8 + v)) & 1 == 1 {
                    expected |= 1 << UInt64(63 - (v * 8 + u))
                }
            }
            #expect(transposed == expected)
        }
    }

    /// An offset only moves DC (which stays the largest value); doubling scales every
    /// coefficient exactly (a power of two), so neither changes a bit.
    @Test func brightnessOffsetAndContrastDoNotChangeIt() throws {
        for seed in UInt64(1)...10 {
            let pixels = HashingTestImages.noise(count: 1024, below: 120, seed: seed)
            let hash = try PerceptualHash.pHash(pixels)
            #expect(try PerceptualHash.pHash(pixels.map { $0 + 100 }) == hash)
            #expect(try PerceptualHash.pHash(pixels.map { $0 * 2 }) == hash)
        }
    }

    /// A change of ±10 in one pixel moves each coefficient by at most 10, far less than
    /// the spacing of the 63 coefficients of a textured image around their median.
    @Test func onePixelChangeFlipsFewBits() throws {
        var random = SplitMix64(seed: 5)
        for seed in UInt64(1)...20 {
            let pixels = HashingTestImages.noise(count: 1024, below: 200, seed: seed)
            var changed = pixels
            changed[Int(random.next() % 1024)] += 10
            let distance = PerceptualHash.hammingDistance(
                try PerceptualHash.pHash(pixels), try PerceptualHash.pHash(changed))
            #expect(distance <= 2)
        }
    }

    /// The median is one of the 63 AC values, so exactly 31 AC coefficients lie above it
    /// when they are distinct; with DC (the largest for non-negative pixels) that is 32.
    @Test func textureSetsHalfTheBits() throws {
        for seed in UInt64(1)...10 {
            let hash = try PerceptualHash.pHash(HashingTestImages.noise(count: 1024, seed: seed))
            #expect(hash.nonzeroBitCount == 32)
            #expect(hash >> 63 == 1)
        }
    }

    @Test func rejectsTheWrongPixelCount() {
        #expect(throws: PerceptualHashError.wrongPixelCount(expected: 1024, actual: 64)) {
            try PerceptualHash.pHash([UInt8](repeating: 0, count: 64))
        }
    }
}
