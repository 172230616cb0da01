import Foundation
import Testing
import Webhooks

@Suite struct WebhookSignatureTests {
    let secret = String(repeating: "k", count: 40)
    let body = #"{"event":"image.processed","imageId":"00000000-0000-0000-0000-000000000001"}"#

    @Test func signedRequestVerifies() throws {
        let now = Date()
        let timestamp = Int(now.timeIntervalSince1970)
        let signature = WebhookSignature.sign(body: body, timestamp: timestamp, secret: secret)
        #expect(signature.hasPrefix("sha256="))
        #expect(signature.count == "sha256=".count + 64)
        try WebhookSignature.verify(signature: signature, timestamp: String(timestamp), body: body, secret: secret, now: now)
        // Bytes and text give the same answer.
        try WebhookSignature.verify(signature: signature, timestamp: String(timestamp), body: Data(body.utf8), secret: secret, now: now)
        // Hex case does not matter.
        try WebhookSignature.verify(signature: "sha256=" + signature.dropFirst(7).uppercased(), timestamp: String(timestamp),
                                    body: body, secret: secret, now: now)
    }

    /// The MAC is plain HMAC-SHA256 over "<timestamp>.<body>",
    /// so any receiver can reproduce it (value computed independently with Python's hmac module).
    @Test func signatureMatchesAnIndependentHMAC() {
        let signature = WebhookSignature.sign(body: "{}", timestamp: 1_700_000_000, secret: "Jefe")
        #expect(signature == "sha256=" + Self.referenceHMAC)
    }

    static let referenceHMAC = "d3793e2b4103edfbd98cc19591832f5fad701d413db9fcae0ae7dab8184ed207"

    @Test func tamperedBodyTimestampOrSecretIsRejected() throws {
        let now = Date()
        let timestamp = Int(now.timeIntervalSince1970)
        let signature = WebhookSignature.sign(body: body, timestamp: timestamp, secret: secret)
        let tampered = body.replacingOccurrences(of: "0001", with: "0002")
        #expect(throws: WebhookSignatureError.mismatch) {
            try WebhookSignature.verify(signature: signature, timestamp: String(timestamp), body: tampered, secret: secret, now: now)
        }
        #expect(throws: WebhookSignatureError.mismatch) {
            try WebhookSignature.verify(signature: signature, timestamp: String(timestamp - 1), body: body, secret: secret, now: now)
        }
        #expect(throws: WebhookSignatureError.mismatch) {
            try WebhookSignature.verify(signature: signature, timestamp: String(timestamp), body: body,
                                        secret: secret + "x", now: now)
        }
        var flipped = Array(signature)
        flipped[flipped.count - 1] = flipped.last == "0" ? "1" : "0"
        #expect(throws: WebhookSignatureError.mismatch) {
            try WebhookSignature.verify(signature: String(flipped), timestamp: String(timestamp), body: body, secret: secret, now: now)
        }
    }

    @Test func staleOrFutureTimestampIsRejected() throws {
        let now = Date()
        let old = Int(now.timeIntervalSince1970) - 301
        let oldSignature = WebhookSignature.sign(body: body, timestamp: old, secret: secret)
        #expect(throws: WebhookSignatureError.expired) {
            try WebhookSignature.verify(signature: oldSignature, timestamp: String(old), body: body, secret: secret, now: now)
        }
        // Within a wider tolerance the same request is fine.
        try WebhookSignature.verify(signature: oldSignature, timestamp: String(old), body: body, secret: secret, now: now,
                                    tolerance: 600)
        let future = Int(now.timeIntervalSince1970) + 301
        let futureSignature = WebhookSignature.sign(body: body, timestamp: future, secret: secret)
        #expect(throws: WebhookSignatureError.expired) {
            try WebhookSignature.verify(signature: futureSignature, timestamp: String(future), body: body, secret: secret, now: now)
        }
    }

    @Test func malformedHeadersAreRejected() {
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let good = WebhookSignature.sign(body: body, timestamp: Int(timestamp)!, secret: secret)
        for (signature, time) in [
            (good, "yesterday"), (good, ""), (String(good.dropFirst(7)), timestamp), ("sha1=" + good.dropFirst(7), timestamp),
            ("sha256=zz" + good.dropFirst(9), timestamp), (String(good.dropLast(2)), timestamp), ("", timestamp),
        ] {
            #expect(throws: WebhookSignatureError.malformed) {
                try WebhookSignature.verify(signature: signature, timestamp: time, body: body, secret: secret)
            }
        }
    }
}
