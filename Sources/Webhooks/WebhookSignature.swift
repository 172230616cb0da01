import Crypto
import Foundation

/// How webhook requests are signed, and how a receiver checks them.
///
/// Every delivery carries
///
///     X-Facepipe-Timestamp: 1767323045              (unix seconds when this attempt was sent)
///     X-Facepipe-Signature: sha256=<64 hex digits>
///
/// where the hex digits are HMAC-SHA256, keyed with `WEBHOOK_SECRET` (its UTF-8 bytes), over
/// the bytes `<timestamp>.<body>`: the timestamp header's decimal text, one `.`, then the raw
/// request body exactly as received (do not re-serialise the JSON first).
///
/// A receiver recomputes the HMAC and compares it in constant time (never with `==` on
/// strings, which leaks how many leading characters matched), and rejects timestamps more
/// than a few minutes from its own clock, so a captured request cannot be replayed later.
/// Each retry is signed afresh with its own timestamp; `X-Facepipe-Delivery` (the job id)
/// stays the same across retries and lets a receiver drop repeats.
public enum WebhookSignature {
    public static let prefix = "sha256="
    /// Default tolerance for `verify`: five minutes either way.
    public static let defaultTolerance = 300

    /// The `X-Facepipe-Signature` value: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
    public static func sign(body: some DataProtocol, timestamp: Int, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: signedBytes(body: body, timestamp: timestamp), using: key(secret))
        return prefix + hex(mac)
    }

    public static func sign(body: String, timestamp: Int, secret: String) -> String {
        sign(body: Data(body.utf8), timestamp: timestamp, secret: secret)
    }

    /// Checks the header values of a received webhook. The MAC comparison is constant-time.
    /// - Parameters:
    ///   - signature: the `X-Facepipe-Signature` header.
    ///   - timestamp: the `X-Facepipe-Timestamp` header.
    ///   - body: the raw request body.
    ///   - tolerance: seconds the timestamp may differ from `now` (either way).
    public static func verify(
        signature: String, timestamp: String, body: some DataProtocol, secret: String,
        now: Date = Date(), tolerance: Int = defaultTolerance
    ) throws(WebhookSignatureError) {
        guard let seconds = Int(timestamp), seconds >= 0 else { throw .malformed }
        guard signature.hasPrefix(prefix), let mac = parseHex(signature.dropFirst(prefix.count)),
              mac.count == SHA256.byteCount
        else { throw .malformed }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signedBytes(body: body, timestamp: seconds),
                                                     using: key(secret))
        else { throw .mismatch }
        // Checked after the MAC, so only authentic requests are told their timestamp is stale.
        guard abs(Int(now.timeIntervalSince1970.rounded(.down)) - seconds) <= tolerance else { throw .expired }
    }

    public static func verify(
        signature: String, timestamp: String, body: String, secret: String,
        now: Date = Date(), tolerance: Int = defaultTolerance
    ) throws(WebhookSignatureError) {
        try verify(signature: signature, timestamp: timestamp, body: Data(body.utf8), secret: secret, now: now,
                   tolerance: tolerance)
    }

    static func signedBytes(body: some DataProtocol, timestamp: Int) -> Data {
        var data = Data("\(timestamp).".utf8)
        data.append(contentsOf: body)
        return data
    }

    static func key(_ secret: String) -> SymmetricKey { SymmetricKey(data: Data(secret.utf8)) }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func parseHex(_ text: some StringProtocol) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}

public enum WebhookSignatureError: Error, Equatable, CustomStringConvertible {
    /// The headers are missing or not in the expected form.
    case malformed
    /// The signature does not match the body and timestamp (wrong secret or altered request).
    case mismatch
    /// The timestamp is outside the tolerance (a replay, or a badly wrong clock).
    case expired

    public var description: String {
        switch self {
        case .malformed: "malformed webhook signature headers"
        case .mismatch: "webhook signature does not match"
        case .expired: "webhook timestamp outside the allowed window"
        }
    }
}
