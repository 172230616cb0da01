import FacepipeCore
import Testing

@Suite struct DifferenceHashTests {
    private func dHash(_ pixel: (_ x: Int, _ y: Int) -> UInt8) throws -> UInt64 {
        try PerceptualHash.dHash(HashingTestImages.image(width: 9, height: 8, pixel))
    }

    @Test func brighteningLeftToRightSetsNothing() throws {
        #expect(try dHash { x, _ in UInt8(x * 20) } == 0)
        #expect(try dHash { _, _ in 77 } == 0)
    }

    @Test func darkeningLeftToRightSetsEverything() throws {
        #expect(try dHash { x, _ in UInt8(200 - x * 20) } == .max)
    }

    /// Bright where row + column is even: row 0 compares 255>0, 0>255, … → 10101010.
    @Test func checkerboard() throws {
        #expect(try dHash { x, y in (x + y) % 2 == 0 ? 255 : 0 } == 0xAA55_AA55_AA55_AA55)
    }

    /// A bright pixel at row 2, column 4 beats only its right neighbour: bit index
    /// 2·8 + 4 = 20, stored as bit 63 − 20 = 43.
    @Test func singleBrightPixelSetsOneBit() throws {
        #expect(try dHash { x, y in x == 4 && y == 2 ? 255 : 0 } == 1 << 43)
    }

    /// A bright first column beats column 1 in every row; a bright last (9th) column is
    /// only ever a right-hand pixel and sets nothing.
    @Test func edgeColumns() throws {
        #expect(try dHash { x, _ in x == 0 ? 255 : 0 } == 0x8080_8080_8080_8080)
        #expect(try dHash { x, _ in x == 8 ? 255 : 0 } == 0)
    }

    @Test func brightnessOffsetDoesNotChangeIt() throws {
        for seed in UInt64(1)...20 {
            let pixels = HashingTestImages.noise(count: 72, below: 200, seed: seed)
            #expect(try PerceptualHash.dHash(pixels.map { $0 + 55 }) == PerceptualHash.dHash(pixels))
        }
    }

    /// A pixel takes part in at most two comparisons (with its left and right neighbours).
    @Test func onePixelChangeFlipsAtMostTwoBits() throws {
        var random = SplitMix64(seed: 99)
        for seed in UInt64(1)...50 {
            let pixels = HashingTestImages.noise(count: 72, seed: seed)
            var changed = pixels
            changed[Int(random.next() % 72)] = UInt8(random.next() % 256)
            let distance = PerceptualHash.hammingDistance(
                try PerceptualHash.dHash(pixels), try PerceptualHash.dHash(changed))
            #expect(distance <= 2)
        }
    }

    @Test func rejectsTheWrongPixelCount() {
        #expect(throws: PerceptualHashError.wrongPixelCount(expected: 72, actual: 64)) {
            try PerceptualHash.dHash([UInt8](repeating: 0, count: 64))
        }
    }
}
