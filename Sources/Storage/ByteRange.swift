/// One HTTP byte range (RFC 9110 §14.1.2). Multi-range requests are not supported: media
/// players and resumable downloads only ever ask for one.
public enum ByteRange: Sendable, Hashable {
    /// `bytes=first-last`, both inclusive.
    case closed(first: Int64, last: Int64)
    /// `bytes=first-`
    case from(first: Int64)
    /// `bytes=-count`: the last `count` bytes.
    case suffix(count: Int64)

    /// Parses a `Range` header value; nil for anything malformed or multi-range, which
    /// RFC 9110 says to answer by ignoring the header (a 200 with the whole object).
    public init?(header: String) {
        guard header.hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst("bytes=".count)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let head = spec[..<dash], tail = spec[spec.index(after: dash)...]
        switch (Int64(head), Int64(tail)) {
        case let (first?, last?) where head.allSatisfy(\.isNumber) && tail.allSatisfy(\.isNumber) && first <= last:
            self = .closed(first: first, last: last)
        case (let first?, nil) where tail.isEmpty && head.allSatisfy(\.isNumber):
            self = .from(first: first)
        case (nil, let count?) where head.isEmpty && tail.allSatisfy(\.isNumber):
            self = .suffix(count: count)
        default:
            return nil
        }
    }

    public var headerValue: String {
        switch self {
        case let .closed(first, last): "bytes=\(first)-\(last)"
        case let .from(first): "bytes=\(first)-"
        case let .suffix(count): "bytes=-\(count)"
        }
    }

    /// The bytes this range selects from an object of `size` bytes, or nil when it selects
    /// none (answer 416 with `Content-Range: bytes */size`).
    public func resolved(size: Int64) -> ClosedRange<Int64>? {
        guard size > 0 else { return nil }
        switch self {
        case let .closed(first, last):
            return first < size ? first...min(last, size - 1) : nil
        case let .from(first):
            return first < size ? first...(size - 1) : nil
        case let .suffix(count):
            return count > 0 ? max(0, size - count)...(size - 1) : nil
        }
    }
}
