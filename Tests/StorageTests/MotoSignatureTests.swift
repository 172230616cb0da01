import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import Testing

@testable import Storage

/// moto accepts any signature by default. With its IAM authentication switched on
/// (`POST /moto-api/reset-auth`), it recomputes each request's header signature with botocore,
/// an independent SigV4 implementation, and refuses mismatches: the real check of our signer
/// against a server. (Presigned URLs stay unchecked either way: moto never verifies them.)
extension S3MediaStoreTests {
    @Test func motoVerifiesOurHeaderSignatures() async throws {
        let endpoint = try TestEnvironment.s3AuthEndpoint()
        // The three IAM calls below run unauthenticated; every request after them is checked.
        try await Self.setMotoAuthentication(endpoint, freeActions: "3")
        do {
            let (accessKeyID, secret) = try await Self.createIAMUserWithS3Access(endpoint)
            let store = try await Self.makeStore(accessKeyID: accessKeyID, secretAccessKey: secret, endpoint: endpoint)

            // Signed payload, unsigned payload (a file), HEAD, GET with Range, DELETE. The key has
            // spaces and folders but nothing else needing encoding: moto rebuilds the path it
            // checks with werkzeug, which leaves non-ASCII and sub-delimiters (`ü`, `+`, `=`, `$`,
            // `%`) unencoded where SigV4 encodes them, so moto refuses correct signatures for
            // such keys. Our encoding of those is pinned by AWS's own vectors ("get-utf8",
            // "test$file.text") in SigV4SignerTests.
            let k = try key("originals/2026/a folder/photo 1.jpg")
            try await store.put(k, data: Data("signed payload".utf8))
            #expect(try await store.get(k)?.bytes == Array("signed payload".utf8))
            try await withScratchDirectory { scratch in
                let file = scratch.appendingPathComponent("f.bin")
                try Data(randomBytes(300_000)).write(to: file)
                try await store.put(k, file: file, contentType: "image/jpeg")
            }
            #expect(try await store.head(k)?.size == 300_000)
            #expect(try await store.get(k, range: .closed(first: 10, last: 19))?.readableBytes == 10)
            try await store.delete(k)
            #expect(try await store.head(k) == nil)

            // The same key with another secret, and a key moto has never issued.
            let forged = try S3MediaStore(config: S3Config(
                endpoint: endpoint, bucket: store.config.bucket, region: "us-east-1",
                accessKeyID: accessKeyID, secretAccessKey: secret + "x"))
            await #expect(throws: S3Error.self) { try await forged.put(k, data: Data([1])) }
            do {
                try await forged.put(k, data: Data([1]))
            } catch let error as S3Error {
                #expect(error.status == 403 && error.code == "SignatureDoesNotMatch")
            }
            let stranger = try S3MediaStore(config: S3Config(
                endpoint: endpoint, bucket: store.config.bucket, region: "us-east-1",
                accessKeyID: "AKIANOTISSUEDBYMOTO0", secretAccessKey: secret))
            do {
                try await stranger.put(k, data: Data([1]))
                Issue.record("moto accepted an unknown access key")
            } catch let error as S3Error {
                #expect(error.status == 403 && error.code == "InvalidAccessKeyId")
            }
            #expect(try await store.head(k) == nil)  // neither write landed
        } catch {
            try await Self.setMotoAuthentication(endpoint, freeActions: "inf")
            throw error
        }
        try await Self.setMotoAuthentication(endpoint, freeActions: "inf")
    }

    /// Authentication applies once `freeActions` more actions have run ("inf": never).
    static func setMotoAuthentication(_ endpoint: URL, freeActions: String) async throws {
        var request = HTTPClientRequest(url: endpoint.absoluteString + "/moto-api/reset-auth")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: freeActions))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw SetupError(description: "moto reset-auth answered \(response.status)") }
    }

    /// An IAM user allowed everything on S3, and a key for it.
    static func createIAMUserWithS3Access(_ endpoint: URL) async throws -> (accessKeyID: String, secret: String) {
        let user = "facepipe-test-\(UUID().uuidString.prefix(8).lowercased())"
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
        _ = try await iam(endpoint, ["Action": "CreateUser", "UserName": user])
        _ = try await iam(endpoint, ["Action": "PutUserPolicy", "UserName": user, "PolicyName": "s3", "PolicyDocument": policy])
        let xml = try await iam(endpoint, ["Action": "CreateAccessKey", "UserName": user])
        guard let id = S3Error.element("AccessKeyId", in: xml), let secret = S3Error.element("SecretAccessKey", in: xml) else {
            throw SetupError(description: "no access key in moto's answer: \(xml)")
        }
        return (id, secret)
    }

    /// One IAM query-protocol call, signed (moto routes on the signature's service).
    static func iam(_ endpoint: URL, _ parameters: [String: String]) async throws -> String {
        let body = (parameters.merging(["Version": "2010-05-08"]) { a, _ in a })
            .map { "\(SigV4Signer.encode($0.key))=\(SigV4Signer.encode($0.value))" }
            .joined(separator: "&")
        let host = "\(endpoint.host!):\(endpoint.port!)"
        var signed = SigV4Signer.Request(
            method: "POST", path: "/",
            headers: [("host", host), ("content-type", "application/x-www-form-urlencoded")])
        SigV4Signer(accessKeyID: "test", secretAccessKey: "testsecret", region: "us-east-1", service: "iam")
            .sign(&signed, payloadHash: Bytes.hex(SHA256.hash(data: Data(body.utf8))), date: Date())
        var request = HTTPClientRequest(url: "http://\(host)/")
        request.method = .POST
        for (name, value) in signed.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .ok else { throw SetupError(description: "IAM \(parameters["Action"]!): \(response.status) \(text)") }
        return text
    }
}
