import FacepipeCore
import Testing

@Suite struct PerceptualHashTests {
    @Test func hexIsSixteenLowercaseDigitsZeroPadded() {
        #expect(PerceptualHash.hex(0) == "0000000000000000")
        #expect(PerceptualHash.hex(0xDEAD_BEEF) == "00000000deadbeef")
        #expect(PerceptualHash.hex(0x8000_0000_0000_0001) == "8000000000000001")
        #expect(PerceptualHash.hex(.max) == "ffffffffffffffff")
    }

    @Test func parsesEitherCase() {
        #expect(PerceptualHash.parseHex("DEADBEEF00000000") == 0xDEAD_BEEF_0000_0000)
        #expect(PerceptualHash.parseHex("00000000deadbeef") == 0xDEAD_BEEF)
        #expect(PerceptualHash.parseHex("ffffffffffffffff") == .max)
    }

    @Test(arguments: [
        "", "123", "000000000000000", "00000000000000000", "0x00000000000000", "+000000000000000",
        " 000000000000000", "000000000000000g", "-000000000000001", "00000000000000é",
    ])
    func rejectsAnythingButSixteenHexDigits(_ text: String) {
        #expect(PerceptualHash.parseHex(text) == nil)
    }

    @Test func hexRoundTrips() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let hash = random.next()
            #expect(PerceptualHash.parseHex(PerceptualHash.hex(hash)) == hash)
        }
    }

    @Test func hammingDistanceCountsDifferingBits() {
        #expect(PerceptualHash.hammingDistance(0, 0) == 0)
        #expect(PerceptualHash.hammingDistance(0, .max) == 64)
        #expect(PerceptualHash.hammingDistance(0b1011, 0b0110) == 3)
        #expect(PerceptualHash.hammingDistance(1 << 63, 1) == 2)
        #expect(PerceptualHash.hammingDistance(0xAAAA_AAAA_AAAA_AAAA, 0x5555_5555_5555_5555) == 64)
    }
}

@Suite struct HashingSplitMix64Tests {
    /// First outputs for seed 0 of Vigna's reference `splitmix64.c`.
    @Test func matchesTheReferenceSequence() {
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(random.next() == 0x06C4_5D18_8009_454F)
    }
}
