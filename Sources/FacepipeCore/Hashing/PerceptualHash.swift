/// 64-bit perceptual hashes (aHash, dHash, pHash) and their text form.
///
/// A hash is a `UInt64` written as exactly 16 lowercase hex digits, most significant
/// digit first, so bit 63 (the first pixel or coefficient of each algorithm) is the
/// high bit of the first digit. Two hashes are compared by Hamming distance: the number
/// of differing bits (0 = identical, 64 = complementary).
///
/// The hash functions themselves live in extensions, one file per algorithm.
public enum PerceptualHash {
    /// The 16-digit lowercase hex form of `hash`, zero-padded.
    public static func hex(_ hash: UInt64) -> String {
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Parses exactly 16 hex digits (either case); `nil` for anything else.
    /// Signs, whitespace and `0x` prefixes are rejected so stored values stay canonical.
    public static func parseHex(_ text: some StringProtocol) -> UInt64? {
        guard text.utf8.count == 16, text.utf8.allSatisfy(isHexDigit) else { return nil }
        return UInt64(text, radix: 16)
    }

    /// Number of differing bits between two 64-bit hashes.
    @inlinable
    public static func hammingDistance(_ a: UInt64, _ b: UInt64) -> Int {
        (a ^ b).nonzeroBitCount
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
             UInt8(ascii: "A")...UInt8(ascii: "F"):
            return true
        default:
            return false
        }
    }
}

/// Why a hash could not be computed from the pixels given.
public enum PerceptualHashError: Error, Sendable, Equatable {
    /// The pixel buffer does not hold `expected` values (width × height).
    case wrongPixelCount(expected: Int, actual: Int)
    /// Width or height is negative.
    case invalidDimensions(width: Int, height: Int)
}

extension PerceptualHash {
    /// Throws unless `pixels` holds exactly `expected` values.
    static func requireCount(_ actual: Int, _ expected: Int) throws(PerceptualHashError) {
        guard actual == expected else {
            throw .wrongPixelCount(expected: expected, actual: actual)
        }
    }
}
