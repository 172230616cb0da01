import Foundation

/// 32 random bytes as 43 characters of URL-safe base64, no padding: API keys, browser sessions'
/// CSRF tokens and upload receipts all are one of these (and are checked for the shape before
/// any database work).
public enum RandomToken {
    public static let length = 43

    /// A new token from the system's random source.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// `bytes` as URL-safe base64 without padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// `text` has a token's shape: `length` characters of the URL-safe base64 alphabet.
    public static func isWellFormed(_ text: some Collection<UInt8>) -> Bool {
        text.count == length
            && text.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
    }
}
