import Foundation

/// S3 refused a request: the HTTP status and, when the response had an XML error body,
/// S3's code (`AccessDenied`, `NoSuchBucket`, `SignatureDoesNotMatch`, …) and message.
public struct S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    public var requestID: String?
    /// What the request was about: `bucket/key` or `bucket`.
    public var resource: String

    public init(status: Int, code: String, message: String, requestID: String? = nil, resource: String) {
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.resource = resource
    }

    public var description: String {
        "S3 \(status) \(code) on \(resource): \(message)" + (requestID.map { " (request id \($0))" } ?? "")
    }

    /// Reads an S3 error document (`<Error><Code>…</Code><Message>…</Message>…`). S3's error
    /// bodies are flat, so picking out two elements by name needs no XML parser (and keeps
    /// FoundationXML, with its libxml2 dependency, out of the build).
    init(status: Int, reason: String, body: String, requestID: String?, resource: String) {
        self.init(
            status: status,
            code: Self.element("Code", in: body) ?? reason,
            message: Self.element("Message", in: body) ?? (body.isEmpty ? reason : String(body.prefix(200))),
            requestID: Self.element("RequestId", in: body) ?? requestID,
            resource: resource
        )
    }

    /// The text of the first `<name>…</name>` in `xml`, entities decoded.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"),
              let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
