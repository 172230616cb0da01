import Crypto
import Foundation

/// Signs and checks facepipe's own time-limited media URLs (`?expires=…&signature=…`),
/// used where the store cannot presign (local media).
///
/// The MAC is HMAC-SHA256 over `METHOD:PATH:EXPIRES`, PATH normalised first (percent-decoded,
/// then checked) so that `/a%20b` and `/a b` share one signature and nothing a router might
/// read differently can be signed at all.
public struct URLSigner: Sendable {
    private let secret: [UInt8]  // SymmetricKey is not Sendable; rebuilding one is cheap

    /// `secret` must be at least 32 bytes (the HMAC-SHA256 key strength).
    public init(secret: some Sequence<UInt8>) throws {
        let bytes = Array(secret)
        guard bytes.count >= 32 else {
            throw MediaStoreError.invalidArgument("URL signing secret must be at least 32 bytes, got \(bytes.count)")
        }
        self.secret = bytes
    }

    /// `expires=<unix seconds>&signature=<base64url>`, to append after `?`.
    public func signedQuery(method: String, path: String, expires: Date) throws(URLSignatureError) -> String {
        let seconds = Int64(expires.timeIntervalSince1970.rounded(.down))
        return "expires=\(seconds)&signature=\(try signature(method: method, path: path, expires: seconds))"
    }

    /// `path?expires=…&signature=…`.
    public func signedPath(method: String, path: String, expires: Date) throws(URLSignatureError) -> String {
        "\(path)?\(try signedQuery(method: method, path: path, expires: expires))"
    }

    public func signature(method: String, path: String, expires: Int64) throws(URLSignatureError) -> String {
        Bytes.base64URL(mac(method: method, path: try Self.normalize(path), expires: expires))
    }

    /// Accepts only a signature made by this signer for this method, path and expiry, still in date.
    /// The signature is checked before the expiry, so "expired" is only ever said of a real link.
    public func verify(
        method: String, path: String, expires: Int64, signature: String, now: Date = Date()
    ) throws(URLSignatureError) {
        let path = try Self.normalize(path)
        guard let given = Bytes.fromBase64URL(signature) else { throw .invalidSignature }
        let expected = mac(method: method, path: path, expires: expires)
        guard Bytes.constantTimeEquals(given, expected) else { throw .invalidSignature }
        guard Double(expires) > now.timeIntervalSince1970 else { throw .expired }
    }

    /// Same, from the raw `expires` query value.
    public func verify(
        method: String, path: String, expires: String, signature: String, now: Date = Date()
    ) throws(URLSignatureError) {
        guard let seconds = Int64(expires), expires.allSatisfy(\.isNumber) else { throw .invalidSignature }
        try verify(method: method, path: path, expires: seconds, signature: signature, now: now)
    }

    private func mac(method: String, path: String, expires: Int64) -> [UInt8] {
        let message = "\(method.uppercased()):\(path):\(expires)"
        return Array(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: secret)))
    }

    /// Percent-decodes `path` and refuses what it must never sign: relative paths, `.`/`..`
    /// or empty segments, encoded slashes (`%2F` would change the segments after decoding),
    /// backslashes and control characters.
    static func normalize(_ path: String) throws(URLSignatureError) -> String {
        guard path.hasPrefix("/"), path.range(of: "%2f", options: .caseInsensitive) == nil,
              let decoded = path.removingPercentEncoding else { throw .invalidPath }
        for scalar in decoded.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\\" {
            throw .invalidPath
        }
        for segment in decoded.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty || segment == "." || segment == ".." { throw .invalidPath }
        }
        return decoded
    }
}

public enum URLSignatureError: Error, Sendable, Equatable {
    /// Wrong MAC: tampered path, expiry or method, another secret, or not base64url.
    case invalidSignature
    case expired
    /// The path is not one that can be signed (traversal, encoded slash, control characters…).
    case invalidPath
}
