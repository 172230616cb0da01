/// A 256-bit PDQ hash, in the bit and text order of Meta's reference implementation.
///
/// The reference sets bit k = i·16 + j when DCT coefficient (i, j) is above the median,
/// and prints the hash as 64 hex digits with bit 255 first and bit 0 last. So the hex
/// string is the hash read as one big-endian 256-bit number, and here `word0` holds
/// bits 255…192 (hex digits 0..<16) down to `word3` holding bits 63…0 (digits 48..<64).
public struct PDQHash: Sendable, Hashable, CustomStringConvertible {
    public var word0: UInt64
    public var word1: UInt64
    public var word2: UInt64
    public var word3: UInt64

    public init(word0: UInt64, word1: UInt64, word2: UInt64, word3: UInt64) {
        self.word0 = word0
        self.word1 = word1
        self.word2 = word2
        self.word3 = word3
    }

    public static let zero = PDQHash(word0: 0, word1: 0, word2: 0, word3: 0)

    /// Parses exactly 64 hex digits (either case); `nil` otherwise.
    public init?(hex text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 64, utf8.allSatisfy(PerceptualHash.isHexDigit) else { return nil }
        var words: [UInt64] = []
        for start in stride(from: 0, to: 64, by: 16) {
            guard let word = UInt64(String(decoding: utf8[start..<start + 16], as: UTF8.self), radix: 16)
            else { return nil }
            words.append(word)
        }
        self.init(word0: words[0], word1: words[1], word2: words[2], word3: words[3])
    }

    /// 64 lowercase hex digits, as the reference prints it.
    public var hex: String {
        [word0, word1, word2, word3].map(PerceptualHash.hex).joined()
    }

    public var description: String { hex }

    /// Bit `k` in the reference's numbering (k = row·16 + column of the 16×16 DCT block).
    public subscript(bit k: Int) -> Bool {
        get { word(holding: k) >> UInt64(k % 64) & 1 == 1 }
        set {
            let mask: UInt64 = 1 << UInt64(k % 64)
            switch Self.wordIndex(holding: k) {
            case 0: word0 = newValue ? word0 | mask : word0 & ~mask
            case 1: word1 = newValue ? word1 | mask : word1 & ~mask
            case 2: word2 = newValue ? word2 | mask : word2 & ~mask
            default: word3 = newValue ? word3 | mask : word3 & ~mask
            }
        }
    }

    /// Number of set bits (a PDQ hash of a non-degenerate image has 128).
    public var nonzeroBitCount: Int {
        word0.nonzeroBitCount + word1.nonzeroBitCount + word2.nonzeroBitCount + word3.nonzeroBitCount
    }

    private static func wordIndex(holding k: Int) -> Int {
        precondition((0..<256).contains(k), "PDQ bit index out of range")
        return 3 - k / 64
    }

    private func word(holding k: Int) -> UInt64 {
        switch Self.wordIndex(holding: k) {
        case 0: return word0
        case 1: return word1
        case 2: return word2
        default: return word3
        }
    }
}

/// A PDQ hash with the reference's quality score (0–100; Meta suggests discarding
/// hashes of quality below about 50 as too featureless to match reliably).
public struct PDQResult: Sendable, Hashable {
    public var hash: PDQHash
    public var quality: Int

    public init(hash: PDQHash, quality: Int) {
        self.hash = hash
        self.quality = quality
    }
}

extension PerceptualHash {
    /// Number of differing bits between two PDQ hashes (0…256). Meta's suggested
    /// match threshold is a distance of about 31.
    @inlinable
    public static func pdqHammingDistance(_ a: PDQHash, _ b: PDQHash) -> Int {
        (a.word0 ^ b.word0).nonzeroBitCount + (a.word1 ^ b.word1).nonzeroBitCount
            + (a.word2 ^ b.word2).nonzeroBitCount + (a.word3 ^ b.word3).nonzeroBitCount
    }
}
