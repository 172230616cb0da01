/// Interprets clamd's NUL-terminated answers (we always send `z`-prefixed commands).
enum ClamdReply {
    static func verdict(_ reply: String) throws(ScanError) -> ScanVerdict {
        let text = trimmed(reply)
        if text == "stream: OK" { return .clean }
        if text.hasSuffix(" ERROR") {
            // clamd stops reading and closes after this one; the text is fixed in clamd's source.
            if text.contains("size limit exceeded") { throw .sizeLimitExceeded }
            throw .scannerError(text)
        }
        if text.hasPrefix("stream: "), text.hasSuffix(" FOUND") {
            let name = text.dropFirst("stream: ".count).dropLast(" FOUND".count)
            guard !name.isEmpty else { throw .protocolError("FOUND without a signature name") }
            return .infected(signature: String(name))
        }
        throw .protocolError("unexpected INSTREAM reply: \(text)")
    }

    static func pong(_ reply: String) throws(ScanError) {
        let text = trimmed(reply)
        guard text == "PONG" else {
            if text.hasSuffix(" ERROR") { throw .scannerError(text) }
            throw .protocolError("unexpected PING reply: \(text)")
        }
    }

    private static func trimmed(_ reply: String) -> String {
        var text = Substring(reply)
        while let last = text.last, last == "\0" || last == "\n" || last == " " { text = text.dropLast() }
        return String(text)
    }
}
