import Crypto
import Foundation

/// A validated, relative object key such as `originals/2026/11/{uuid}.jpg`.
///
/// The same string is a path under a local root and an S3 object key, so it is held to the
/// stricter of both: no way to climb out of the root, nothing a filesystem or URL would
/// reinterpret, and short enough for S3 (1,024 bytes) and ext4 (255 bytes a segment).
public struct MediaKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public static let maxLength = 512
    public static let maxSegmentLength = 255

    public let rawValue: String

    public init(_ rawValue: String) throws(MediaKeyError) {
        try Self.validate(rawValue)
        self.rawValue = rawValue
    }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// Path segments, e.g. `["originals", "2026", "11", "x.jpg"]`.
    public var segments: [Substring] { rawValue.split(separator: "/") }

    /// The lowercased extension of the last segment, without the dot ("" if none).
    public var pathExtension: String {
        guard let last = segments.last, let dot = last.lastIndex(of: "."), dot != last.startIndex else { return "" }
        return last[last.index(after: dot)...].lowercased()
    }

    static func validate(_ key: String) throws(MediaKeyError) {
        if key.isEmpty { throw .empty }
        if key.utf8.count > maxLength { throw .tooLong }
        if key.hasPrefix("/") { throw .absolute }
        for scalar in key.unicodeScalars {
            // C0, DEL and C1 controls (NUL included): invisible in logs, special to some parsers.
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { throw .controlCharacter }
            if scalar == "\\" { throw .backslash }
        }
        // Omitting empty subsequences would hide `a//b` and a trailing `/`.
        for segment in key.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { throw .emptySegment }
            if segment == "." || segment == ".." { throw .dotSegment }
            if segment.utf8.count > maxSegmentLength { throw .tooLong }
        }
    }
}

public enum MediaKeyError: Error, Sendable, Equatable {
    case empty, tooLong, absolute, controlCharacter, backslash, emptySegment, dotSegment
    case invalidExtension
}

/// Keys a caller cannot work out from an image id (issue 22): every stored file's name carries a
/// token, so knowing `{uuid}` of an image (which any reader of it sees) leads to none of its
/// files, and editing one URL's path (`blurred` → `large`) names no file that exists.
///
/// An original's token is random (128 bits). Its derivatives take theirs from the original's
/// key and the derivative's name (SHA-256): unpredictable to anyone who has not seen the
/// original's key (admins only), different for every file, and the same on every re-run of a
/// job, so a retried or re-delivered job overwrites its own files instead of leaving orphans.
extension MediaKey {
    /// `originals/2026/11/{uuid}-{32 hex random}.jpg`: the month in UTC, so a key never depends
    /// on the server's zone.
    public static func original(id: UUID, ext: String, date: Date) throws(MediaKeyError) -> MediaKey {
        try MediaKey("originals/\(month(date))/\(try file(id, token: randomToken(), ext))")
    }

    /// `2026/11`: the month in UTC.
    private static func month(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d/%02d", parts.year ?? 1970, parts.month ?? 1)
    }

    /// `thumbnails/{variant}/{uuid}-{token}.webp`, e.g. variant `medium`; `original` is the
    /// image's original key (the token's seed).
    public static func thumbnail(id: UUID, variant: String, ext: String, original: String) throws(MediaKeyError) -> MediaKey {
        try MediaKey("thumbnails/\(variant)/\(try file(id, token: derivedToken(original, "thumbnail:\(variant)"), ext))")
    }

    /// `faces/{uuid}-{index}-{token}.webp`: the crop of one detected face (private evidence).
    public static func faceCrop(id: UUID, index: Int, original: String) throws(MediaKeyError) -> MediaKey {
        try MediaKey("faces/\(try file(id, token: "\(index)-" + derivedToken(original, "face:\(index)"), "webp"))")
    }

    /// `processed/2026/11/{uuid}-{digest}-{token}.jpg`: one processed copy of an image per
    /// options digest (hex, ≤ 32), the month (UTC) the copy was asked for.
    public static func processed(id: UUID, digest: String, ext: String, date: Date, original: String) throws(MediaKeyError) -> MediaKey {
        guard (1...32).contains(digest.count), digest.allSatisfy(\.isHexDigit) else { throw .invalidExtension }
        let token = digest.lowercased() + "-" + derivedToken(original, "processed:\(digest.lowercased())")
        return try MediaKey("processed/\(month(date))/\(try file(id, token: token, ext))")
    }

    /// 128 random bits, hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
    }

    /// 128 bits of SHA-256(seed, name), hex.
    static func derivedToken(_ seed: String, _ name: String) -> String {
        let digest = SHA256.hash(data: Data("facepipe-media-key\u{0}\(seed)\u{0}\(name)".utf8))
        return digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// `tmp/{uuid}.ext`: scratch objects nothing refers to for long.
    public static func temporary(id: UUID, ext: String) throws(MediaKeyError) -> MediaKey {
        try MediaKey("tmp/\(try file(id, ext))")
    }

    /// `{uuid}-{token}.{ext}`.
    private static func file(_ id: UUID, token: String, _ ext: String) throws(MediaKeyError) -> String {
        let name = try file(id, ext)
        let dot = name.firstIndex(of: ".")!
        return "\(name[..<dot])-\(token)\(name[dot...])"
    }

    /// Extensions come from callers (sometimes from uploads): keep them to short alphanumerics.
    private static func file(_ id: UUID, _ ext: String) throws(MediaKeyError) -> String {
        let ext = ext.hasPrefix(".") ? String(ext.dropFirst()) : ext
        guard (1...10).contains(ext.count), ext.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .invalidExtension
        }
        return "\(id.uuidString.lowercased()).\(ext.lowercased())"
    }
}

private extension String {
    func leftPadded(to length: Int) -> String { count >= length ? self : String(repeating: "0", count: length - count) + self }
}
