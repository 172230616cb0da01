import FacepipeCore
import Testing

/// PDQ against Meta's reference implementation.
///
/// Expected values were produced by the C++ reference, not by this code: ThreatExchange
/// `pdq/cpp` as vendored in the PyPI `pdqhash` 0.2.8 sdist (`hashing/pdqhashing.cpp`,
/// `hashing/torben.cpp`, `downscaling/downscaling.cpp`, `common/pdqhashtypes.cpp`),
/// built with g++ (-O0 and -O2 gave identical output) and driven by a small program that
/// generated the same `HashingTestImages.synthetic` pixels, converted each byte to
/// `float`, called `pdqHash256FromFloatLuma(buffer, scratch, height, width, …)` and
/// printed `Hash256::format()` and the quality.
@Suite struct PDQReferenceHashTests {
    struct Case: Sendable, CustomStringConvertible {
        var kind: Int, width: Int, height: Int, seed: UInt64
        var hex: String, quality: Int
        var description: String { "kind \(kind) \(width)×\(height) seed \(seed)" }
    }

    static let cases: [Case] = [
        Case(kind: 0, width: 200, height: 150, seed: 1,
             hex: "9d449670805f7bbf093b7109d765ae1da2db0587f60d74e3f0854251a44636df", quality: 100),
        Case(kind: 1, width: 320, height: 240, seed: 2,
             hex: "52039cdf8d60d3cc1fa9de486c743bec7ef36447ffcb2e0509ab0068d1988d70", quality: 100),
        Case(kind: 2, width: 64, height: 64, seed: 3,
             hex: "05b16ac726d1d7dce7474a76330939a0baa788815d1574b17731e863afd1ab64", quality: 100),
        Case(kind: 3, width: 97, height: 131, seed: 4,
             hex: "4db85b41d6a7b558a9334a6e52d054a7556ea94caad3aab4aaa956aa555a5556", quality: 100),
        Case(kind: 0, width: 512, height: 384, seed: 5,
             hex: "10cfdb8fe3b87978232abd2699ba0135911364908a8e9bbb88fa3a28e9e735b9", quality: 51),
        Case(kind: 1, width: 64, height: 64, seed: 6,
             hex: "2875c13e7e40046f14ebaf856b946c64e46c131b146b50faeb947b90013f3ec1", quality: 100),
        Case(kind: 2, width: 5, height: 5, seed: 7,
             hex: "64d9c1f09b263e0f93a43b0ec7f0c4f16c5bc1f064d9c5f09b263e0f93a43b0e", quality: 100),
        Case(kind: 3, width: 300, height: 300, seed: 8,
             hex: "8e033c3f70ff71fcc3c0c7808e071c1f3c7f38ff70f071f071c073c0e3c0e3c0", quality: 100),
        Case(kind: 0, width: 4, height: 10, seed: 9,
             hex: String(repeating: "0", count: 64), quality: 0),
        Case(kind: 1, width: 1000, height: 20, seed: 10,
             hex: "58dc7413a7228bee761358dc7413a7228bee761378dc741387228bee741178dd", quality: 100),
        Case(kind: 4, width: 256, height: 256, seed: 11,
             hex: "aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555", quality: 0),
        Case(kind: 4, width: 130, height: 70, seed: 12,
             hex: "7f2a5555eaaa55552aaa5557222af77780000777ad1038778ad53b8788adbbb8", quality: 28),
        Case(kind: 3, width: 64, height: 64, seed: 13,
             hex: "088d35554aac4eadb91056ed376d4a80b57246ad36ed4892b66df66f0095d66f", quality: 23),
    ]

    @Test(arguments: cases)
    func matchesTheReference(_ c: Case) throws {
        let pixels = HashingTestImages.synthetic(kind: c.kind, width: c.width, height: c.height, seed: c.seed)
        let result = try PerceptualHash.pdq(luma: pixels, width: c.width, height: c.height)
        #expect(result.hash.hex == c.hex)
        #expect(result.quality == c.quality)
    }
}
