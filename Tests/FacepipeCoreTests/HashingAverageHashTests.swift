import FacepipeCore
import Testing

@Suite struct AverageHashTests {
    private func aHash(_ pixel: (_ x: Int, _ y: Int) -> UInt8) throws -> UInt64 {
        try PerceptualHash.aHash(HashingTestImages.image(width: 8, height: 8, pixel))
    }

    @Test func constantImageHasNoPixelAboveTheMean() throws {
        #expect(try aHash { _, _ in 0 } == 0)
        #expect(try aHash { _, _ in 128 } == 0)
        #expect(try aHash { _, _ in 255 } == 0)
    }

    /// Pixel i = 4i: mean is 126, so exactly pixels 32…63 (the low 32 bits) are above it.
    @Test func rampSetsTheSecondHalf() throws {
        #expect(try aHash { x, y in UInt8(4 * (y * 8 + x)) } == 0x0000_0000_FFFF_FFFF)
    }

    /// Bright where row + column is even: rows alternate 10101010 / 01010101.
    @Test func checkerboard() throws {
        #expect(try aHash { x, y in (x + y) % 2 == 0 ? 255 : 0 } == 0xAA55_AA55_AA55_AA55)
    }

    /// Right half bright: every row is 00001111.
    @Test func rightHalfBright() throws {
        #expect(try aHash { x, _ in x >= 4 ? 200 : 10 } == 0x0F0F_0F0F_0F0F_0F0F)
    }

    /// One white pixel at (0,0): the mean is 255/64, only pixel 0 beats it → top bit.
    @Test func singleBrightPixelIsTheMostSignificantBit() throws {
        #expect(try aHash { x, y in x == 0 && y == 0 ? 255 : 0 } == 1 << 63)
        #expect(try aHash { x, y in x == 7 && y == 7 ? 255 : 0 } == 1)
    }

    @Test func brightnessOffsetAndContrastDoNotChangeIt() throws {
        for seed in UInt64(1)...20 {
            let pixels = HashingTestImages.noise(count: 64, below: 100, seed: seed)
            let hash = try PerceptualHash.aHash(pixels)
            #expect(try PerceptualHash.aHash(pixels.map { $0 + 100 }) == hash)
            #expect(try PerceptualHash.aHash(pixels.map { $0 * 2 }) == hash)
        }
    }

    /// Inverting every pixel inverts every bit, unless some pixel equals the mean.
    @Test func inversionComplementsTheHash() throws {
        for seed in UInt64(1)...20 {
            let pixels = HashingTestImages.noise(count: 64, seed: seed)
            let sum = pixels.reduce(0) { $0 + Int($1) }
            guard !pixels.contains(where: { Int($0) * 64 == sum }) else { continue }
            #expect(try PerceptualHash.aHash(pixels.map { 255 - $0 }) == ~PerceptualHash.aHash(pixels))
        }
    }

    /// Pixels far from the mean: nudging one changes only its own bit.
    @Test func onePixelChangeFlipsOnlyItsBit() throws {
        let pixels = HashingTestImages.image(width: 8, height: 8) { x, y in (x + y) % 2 == 0 ? 200 : 50 }
        let hash = try PerceptualHash.aHash(pixels)
        for index in [0, 9, 37, 63] {
            var changed = pixels
            changed[index] = pixels[index] == 200 ? 50 : 200
            let flipped = try PerceptualHash.aHash(changed) ^ hash
            #expect(flipped == 1 << UInt64(63 - index))
        }
    }

    @Test func rejectsTheWrongPixelCount() {
        #expect(throws: PerceptualHashError.wrongPixelCount(expected: 64, actual: 63)) {
            try PerceptualHash.aHash([UInt8](repeating: 0, count: 63))
        }
    }
}
