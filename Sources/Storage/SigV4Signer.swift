import Crypto
import Foundation

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) as S3 uses it: header signing and query
/// presigning. Paths are signed exactly as sent, already percent-encoded once: S3 neither
/// double-encodes nor normalises them (other AWS services do; this signer is for S3).
public struct SigV4Signer: Sendable, CustomStringConvertible {
    public static let algorithm = "AWS4-HMAC-SHA256"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public var accessKeyID: String
    public var secretAccessKey: String
    public var region: String
    public var service: String

    public init(accessKeyID: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// Never shows the secret.
    public var description: String { "SigV4Signer(\(accessKeyID), \(region), \(service))" }

    /// A request as the signer sees it.
    public struct Request: Sendable {
        public var method: String
        /// As sent on the wire: percent-encoded once (see `encodePath`).
        public var path: String
        /// Not encoded: the signer encodes names and values.
        public var query: [(name: String, value: String)]
        /// The headers to sign; `host` must be among them.
        public var headers: [(name: String, value: String)]

        public init(method: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)]) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
        }
    }

    /// Signs `request` in place: adds `x-amz-date`, `x-amz-content-sha256` (S3 requires it)
    /// and `Authorization`. `payloadHash` is the body's hex SHA-256 or `unsignedPayload`.
    /// Returns the signature.
    @discardableResult
    public func sign(_ request: inout Request, payloadHash: String, date: Date) -> String {
        let (amzDate, day) = AWSDate.stamps(date)
        request.headers.append(("x-amz-date", amzDate))
        if service == "s3" { request.headers.append(("x-amz-content-sha256", payloadHash)) }
        let signedHeaders = Self.signedHeaders(request.headers)
        let canonical = canonicalRequest(request, payloadHash: payloadHash)
        let signature = self.signature(canonicalRequest: canonical, amzDate: amzDate, day: day)
        request.headers.append((
            "Authorization",
            "\(Self.algorithm) Credential=\(accessKeyID)/\(scope(day)), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        ))
        return signature
    }

    /// Query presigning: returns the query to send (the request's own parameters, the
    /// `X-Amz-*` ones and `X-Amz-Signature` last), already encoded. Headers in `request`
    /// (at least `host`) are signed, so whoever uses the URL must send them unchanged.
    public func presignedQuery(_ request: Request, date: Date, expiresIn seconds: Int) -> String {
        let (amzDate, day) = AWSDate.stamps(date)
        var request = request
        request.query += [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", "\(accessKeyID)/\(scope(day))"),
            ("X-Amz-Date", amzDate),
            ("X-Amz-Expires", String(seconds)),
            ("X-Amz-SignedHeaders", Self.signedHeaders(request.headers)),
        ]
        let canonical = canonicalRequest(request, payloadHash: Self.unsignedPayload)
        let signature = self.signature(canonicalRequest: canonical, amzDate: amzDate, day: day)
        return Self.canonicalQuery(request.query) + "&X-Amz-Signature=" + signature
    }

    // MARK: The steps, in AWS's order

    func canonicalRequest(_ request: Request, payloadHash: String) -> String {
        [
            request.method,
            request.path,
            Self.canonicalQuery(request.query),
            Self.canonicalHeaders(request.headers),
            Self.signedHeaders(request.headers),
            payloadHash,
        ].joined(separator: "\n")
    }

    func stringToSign(canonicalRequest: String, amzDate: String, day: String) -> String {
        let digest = SHA256.hash(data: Data(canonicalRequest.utf8))
        return [Self.algorithm, amzDate, scope(day), Bytes.hex(digest)].joined(separator: "\n")
    }

    func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key))
        }
        return key
    }

    func signature(canonicalRequest: String, amzDate: String, day: String) -> String {
        let text = stringToSign(canonicalRequest: canonicalRequest, amzDate: amzDate, day: day)
        return Bytes.hex(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: signingKey(day: day)))
    }

    private func scope(_ day: String) -> String { "\(day)/\(region)/\(service)/aws4_request" }

    // MARK: Canonical forms

    /// Encoded names and values, sorted by name then value; a bare name is `name=`.
    static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (encode($0.name), encode($0.value)) }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// Lowercased names, sorted; values trimmed with inner runs of spaces collapsed; repeated
    /// headers joined with commas. Ends with a newline, which leaves the blank line AWS expects.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> String {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let value = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[name.lowercased(), default: []].append(value)
        }
        return merged.keys.sorted().map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
    }

    static func signedHeaders(_ headers: [(name: String, value: String)]) -> String {
        Set(headers.map { $0.name.lowercased() }).sorted().joined(separator: ";")
    }

    // MARK: URI encoding

    /// AWS's URI encoding: every byte but `A-Z a-z 0-9 - _ . ~` as `%XX` (upper-case hex).
    public static func encode(_ text: String) -> String { encode(text, keepingSlash: false) }

    /// An object key as a URL path: like `encode` but `/` stays a separator.
    public static func encodePath(_ key: String) -> String { encode(key, keepingSlash: true) }

    private static func encode(_ text: String, keepingSlash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
