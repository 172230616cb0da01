import Foundation
import Testing

@testable import Storage

@Suite struct URLSignerTests {
    let signer = try! URLSigner(secret: Array("0123456789abcdef0123456789abcdef".utf8))
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let path = "/media/originals/2026/11/0f8fad5b.jpg"

    /// Splits `expires=…&signature=…` the way a server reads its query.
    func parts(_ query: String) -> (expires: String, signature: String) {
        var values: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            values[String(kv[0])] = String(kv[1])
        }
        return (values["expires"]!, values["signature"]!)
    }

    @Test func acceptsWhatItSigned() throws {
        let query = try signer.signedQuery(method: "GET", path: path, expires: now.addingTimeInterval(300))
        let (expires, signature) = parts(query)
        #expect(expires == "1800000300")
        #expect(signature.count == 43)  // 32 bytes in unpadded base64url
        #expect(signature.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        try signer.verify(method: "GET", path: path, expires: expires, signature: signature, now: now)
        try signer.verify(method: "get", path: path, expires: expires, signature: signature, now: now)
        #expect(try signer.signedPath(method: "GET", path: path, expires: now.addingTimeInterval(300)) == "\(path)?\(query)")
    }

    @Test func rejectsExpired() throws {
        let (expires, signature) = parts(try signer.signedQuery(method: "GET", path: path, expires: now))
        #expect(throws: URLSignatureError.expired) {
            try signer.verify(method: "GET", path: path, expires: expires, signature: signature, now: now)
        }
        #expect(throws: URLSignatureError.expired) {
            try signer.verify(method: "GET", path: path, expires: expires, signature: signature, now: now.addingTimeInterval(3600))
        }
    }

    @Test func rejectsTampering() throws {
        let (expires, signature) = parts(try signer.signedQuery(method: "GET", path: path, expires: now.addingTimeInterval(60)))
        // Another object.
        #expect(throws: URLSignatureError.invalidSignature) {
            try signer.verify(method: "GET", path: path + "x", expires: expires, signature: signature, now: now)
        }
        // A longer life.
        #expect(throws: URLSignatureError.invalidSignature) {
            try signer.verify(method: "GET", path: path, expires: "1900000000", signature: signature, now: now)
        }
        // One flipped character of the MAC.
        var flipped = Array(signature)
        flipped[10] = flipped[10] == "A" ? "B" : "A"
        #expect(throws: URLSignatureError.invalidSignature) {
            try signer.verify(method: "GET", path: path, expires: expires, signature: String(flipped), now: now)
        }
        // Truncated, empty, not base64url, not a number.
        for bad in [String(signature.dropLast()), "", "!!!!", signature + "="] {
            #expect(throws: URLSignatureError.invalidSignature) {
                try signer.verify(method: "GET", path: path, expires: expires, signature: bad, now: now)
            }
        }
        #expect(throws: URLSignatureError.invalidSignature) {
            try signer.verify(method: "GET", path: path, expires: "+" + expires, signature: signature, now: now)
        }
    }

    @Test func rejectsAnotherMethod() throws {
        let (expires, signature) = parts(try signer.signedQuery(method: "GET", path: path, expires: now.addingTimeInterval(60)))
        for method in ["PUT", "DELETE", "HEAD"] {
            #expect(throws: URLSignatureError.invalidSignature) {
                try signer.verify(method: method, path: path, expires: expires, signature: signature, now: now)
            }
        }
    }

    @Test func rejectsAnotherSecret() throws {
        let other = try URLSigner(secret: Array("fedcba9876543210fedcba9876543210".utf8))
        let (expires, signature) = parts(try other.signedQuery(method: "GET", path: path, expires: now.addingTimeInterval(60)))
        #expect(throws: URLSignatureError.invalidSignature) {
            try signer.verify(method: "GET", path: path, expires: expires, signature: signature, now: now)
        }
    }

    @Test(arguments: [
        "/media/../etc/passwd", "/media/%2e%2e/etc/passwd", "/media/%2E%2E/x", "/media/./x", "/media//x",
        "/media/a%2Fb", "/media/a%2f..%2fb", "/media\\x", "/media/%00x", "/media/\u{1}", "relative/x", "/media/%zz",
    ])
    func rejectsPathsItMustNotSign(bad: String) throws {
        #expect(throws: URLSignatureError.invalidPath) {
            try signer.signedQuery(method: "GET", path: bad, expires: now.addingTimeInterval(60))
        }
        // Even with a signature computed for some valid path.
        let (expires, signature) = parts(try signer.signedQuery(method: "GET", path: path, expires: now.addingTimeInterval(60)))
        #expect(throws: URLSignatureError.invalidPath) {
            try signer.verify(method: "GET", path: bad, expires: expires, signature: signature, now: now)
        }
    }

    @Test func encodedAndDecodedPathsShareASignature() throws {
        let (expires, signature) = parts(try signer.signedQuery(method: "GET", path: "/media/a b/ü.jpg", expires: now.addingTimeInterval(60)))
        try signer.verify(method: "GET", path: "/media/a%20b/%C3%BC.jpg", expires: expires, signature: signature, now: now)
    }

    @Test func wantsALongSecret() {
        #expect(throws: MediaStoreError.self) { try URLSigner(secret: Array("short".utf8)) }
    }

    @Test func constantTimeComparison() {
        #expect(Bytes.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!Bytes.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!Bytes.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(Bytes.constantTimeEquals([UInt8](), []))
    }
}
