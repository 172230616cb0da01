@testable import Scanning
import Testing

@Suite struct ParsingTests {
    @Test func replies() throws {
        #expect(try ClamdReply.verdict("stream: OK") == .clean)
        #expect(try ClamdReply.verdict("stream: Win.Test.EICAR_HDB-1 FOUND") == .infected(signature: "Win.Test.EICAR_HDB-1"))
        #expect(throws: ScanError.sizeLimitExceeded) { try ClamdReply.verdict("INSTREAM size limit exceeded. ERROR") }
        #expect(throws: ScanError.scannerError("stream: Can't allocate memory ERROR")) {
            try ClamdReply.verdict("stream: Can't allocate memory ERROR")
        }
        #expect(throws: ScanError.protocolError("unexpected INSTREAM reply: hello")) { try ClamdReply.verdict("hello") }
        try ClamdReply.pong("PONG\n")
        #expect(throws: ScanError.self) { try ClamdReply.pong("UNKNOWN COMMAND") }
    }

    @Test func endpoints() {
        #expect(ClamdEndpoint("/run/clamd.sock") == .unixSocket(path: "/run/clamd.sock"))
        #expect(ClamdEndpoint("unix:/run/clamd.sock") == .unixSocket(path: "/run/clamd.sock"))
        #expect(ClamdEndpoint("127.0.0.1:3310") == .tcp(host: "127.0.0.1", port: 3310))
        #expect(ClamdEndpoint("tcp://clamav:3310") == .tcp(host: "clamav", port: 3310))
        #expect(ClamdEndpoint("[::1]:3310") == .tcp(host: "::1", port: 3310))
        #expect(ClamdEndpoint("clamav") == nil)
        #expect(ClamdEndpoint("clamav:99999") == nil)
        #expect(ClamdEndpoint(":3310") == nil)
    }
}
