import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@testable import Storage

/// Against a real S3 protocol server: moto_server on loopback (`scripts/test-moto.sh`).
/// Serialized because `motoVerifiesOurHeaderSignatures` switches moto's authentication on for a while.
@Suite(.serialized) struct S3MediaStoreTests {
    /// Every test starts with moto's authentication off, even after a run that died while
    /// `motoVerifiesOurHeaderSignatures` had it on.
    init() async throws {
        try await Self.setMotoAuthentication(try TestEnvironment.s3Endpoint(), freeActions: "inf")
    }

    /// A store on a bucket of its own, created here.
    static func makeStore(
        accessKeyID: String = "test", secretAccessKey: String = "testsecret", createBucket: Bool = true, endpoint: URL? = nil
    ) async throws -> S3MediaStore {
        let bucket = "facepipe-test-\(UUID().uuidString.prefix(8).lowercased())"
        let store = try S3MediaStore(config: S3Config(
            endpoint: try endpoint ?? TestEnvironment.s3Endpoint(), bucket: bucket, region: "us-east-1",
            accessKeyID: accessKeyID, secretAccessKey: secretAccessKey))
        if createBucket { try await store.createBucketIfMissing() }
        return store
    }

    @Test func roundTripsBytes() async throws {
        let store = try await Self.makeStore()
        try await store.createBucketIfMissing()  // a second time is fine
        let k = try key("thumbnails/medium/a.webp")
        let bytes = randomBytes(20_000)
        let stored = try await store.put(k, bytes: ByteBuffer(bytes: bytes), contentType: nil)
        #expect(stored.size == 20_000)

        let info = try #require(try await store.head(k))
        #expect(info.size == 20_000)
        #expect(info.contentType == "image/webp")
        #expect(info.etag == stored.etag && info.etag.hasPrefix("\""))
        #expect(abs(info.lastModified.timeIntervalSinceNow) < 300)
        #expect(try await store.exists(k))
        #expect(try await store.get(k)?.bytes == bytes)

        try await store.delete(k)
        #expect(try await store.head(k) == nil)
        #expect(try await store.get(k) == nil)
        try await store.delete(k)  // idempotent
    }

    @Test func keepsTheGivenContentType() async throws {
        let store = try await Self.makeStore()
        let k = try key("tmp/upload")
        try await store.put(k, data: Data("{}".utf8), contentType: "application/json")
        #expect(try await store.head(k)?.contentType == "application/json")
    }

    @Test func streamsAMultiMegabyteFileBothWays() async throws {
        try await withScratchDirectory { scratch in
            let store = try await Self.makeStore()
            let source = scratch.appendingPathComponent("upload.jpg")
            let bytes = randomBytes(6 << 20 + 17)
            try Data(bytes).write(to: source)
            let k = try MediaKey.original(id: UUID(), ext: "jpg", date: Date())

            let stored = try await store.put(k, file: source, contentType: nil)
            #expect(stored.size == Int64(bytes.count))
            #expect(try await store.head(k)?.size == Int64(bytes.count))

            let object = try #require(try await store.stream(k, range: nil))
            #expect(object.info.size == Int64(bytes.count) && object.range == nil)
            let (read, chunks) = try await collect(object.body)
            #expect(chunks > 1)
            #expect(sha256Hex(read) == sha256Hex(bytes))

            let middle = try #require(try await store.stream(k, range: .closed(first: 3_000_000, last: 3_000_099)))
            #expect(middle.range == 3_000_000...3_000_099)
            #expect(middle.info.size == Int64(bytes.count))
            #expect(try await collect(middle.body).bytes == Array(bytes[3_000_000...3_000_099]))
        }
    }

    @Test func servesByteRanges() async throws {
        let store = try await Self.makeStore()
        let k = try key("r.bin")
        let bytes = (0..<1000).map { UInt8($0 % 251) }
        try await store.put(k, bytes: ByteBuffer(bytes: bytes), contentType: nil)
        let suffix = try #require(try await store.stream(k, range: .suffix(count: 10)))
        #expect(suffix.range == 990...999 && suffix.contentLength == 10)
        #expect(try await collect(suffix.body).bytes == Array(bytes[990...]))
        #expect(try await store.get(k, range: .from(first: 998))?.bytes == [UInt8(998 % 251), UInt8(999 % 251)])
        await #expect(throws: MediaStoreError.rangeNotSatisfiable(size: 1000)) {
            try await store.stream(k, range: .from(first: 5000))
        }
    }

    @Test func storesEmptyObjects() async throws {
        let store = try await Self.makeStore()
        let k = try key("empty.bin")
        try await store.put(k, data: Data())
        #expect(try await store.head(k)?.size == 0)
        #expect(try await store.get(k)?.readableBytes == 0)
    }

    @Test func missingKeysAreNilNotErrors() async throws {
        let store = try await Self.makeStore()
        let k = try key("originals/2026/11/missing.jpg")
        #expect(try await store.head(k) == nil)
        #expect(try await store.stream(k, range: nil) == nil)
        #expect(try await store.get(k) == nil)
        #expect(try await !store.exists(k))
        try await store.delete(k)
    }

    @Test(arguments: [
        "with space/and more spaces.jpg",
        "ünïcødé/照片 €.webp",
        "reserved/a+b=c&d;e,f:g@h$i'j(k)!*.png",
        "percent/100%25 not decoded.jpg",
        "tilde~and.dots/x..y.jpg",
    ])
    func storesAwkwardKeys(raw: String) async throws {
        let store = try await Self.makeStore()
        let k = try key(raw)
        try await store.put(k, data: Data(raw.utf8))
        #expect(try await store.head(k)?.size == Int64(raw.utf8.count))
        #expect(try await store.get(k)?.bytes == Array(raw.utf8))
        try await store.delete(k)
        #expect(try await store.head(k) == nil)
    }

    @Test func otherRefusalsAreTypedErrors() async throws {
        let store = try await Self.makeStore(createBucket: false)  // a bucket that does not exist
        let k = try key("a.jpg")
        do {
            try await store.put(k, data: Data([1]))
            Issue.record("put into a missing bucket succeeded")
        } catch let error as S3Error {
            #expect(error.status == 404)
            #expect(error.code == "NoSuchBucket")
            #expect(!error.message.isEmpty)
            #expect(error.resource == "\(store.config.bucket)/a.jpg")
        }
        // A missing bucket is not a missing key: get must not answer nil.
        await #expect(throws: S3Error.self) { try await store.get(k) }
    }

    @Test func presignedPutAndGetWorkWithPlainHTTP() async throws {
        let store = try await Self.makeStore()
        let k = try key("uploads/direct ü.png")
        let bytes = randomBytes(50_000)

        let putURL = try #require(try await store.presignedPutURL(key: k, contentType: "image/png", expiresIn: .seconds(300)))
        let query = try #require(URLComponents(url: putURL, resolvingAgainstBaseURL: false)?.queryItems)
        #expect(query.map(\.name) == [
            "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature",
        ])
        #expect(query.first { $0.name == "X-Amz-SignedHeaders" }?.value == "content-type;host")
        #expect(query.first { $0.name == "X-Amz-Expires" }?.value == "300")

        var put = HTTPClientRequest(url: putURL.absoluteString)
        put.method = .PUT
        put.headers.add(name: "content-type", value: "image/png")
        put.body = .bytes(ByteBuffer(bytes: bytes))
        let putResponse = try await HTTPClient.shared.execute(put, timeout: .seconds(30))
        #expect(putResponse.status == .ok)
        #expect(try await store.head(k)?.contentType == "image/png")
        #expect(try await store.get(k)?.bytes == bytes)

        let getURL = try #require(try await store.presignedGetURL(key: k, expiresIn: .seconds(60)))
        let getResponse = try await HTTPClient.shared.execute(HTTPClientRequest(url: getURL.absoluteString), timeout: .seconds(30))
        #expect(getResponse.status == .ok)
        #expect(try await getResponse.body.collect(upTo: 1 << 20).bytes == bytes)
    }
}
