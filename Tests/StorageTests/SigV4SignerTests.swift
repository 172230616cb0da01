import Crypto
import Foundation
import Testing

@testable import Storage

/// The expected values below are AWS's own published examples, not outputs of this code:
/// - the aws-sig-v4-test-suite ("get-vanilla", "get-vanilla-query-order-key-case", "get-utf8",
///   "get-unreserved"):
///   AKIDEXAMPLE, 20150830T123600Z, us-east-1, service "service";
/// - the S3 API reference, "Signature Calculations for the Authorization Header" (GET Object,
///   PUT Object, GET Bucket Lifecycle, Get Bucket (List Objects)) and "Authenticating Requests:
///   Using Query Parameters" (presigned GET): AKIAIOSFODNN7EXAMPLE, 20130524T000000Z, examplebucket.
@Suite struct SigV4SignerTests {
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let s3Date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    static let suite = SigV4Signer(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        region: "us-east-1", service: "service")
    static let s3 = SigV4Signer(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region: "us-east-1")
    static let s3Host = ("host", "examplebucket.s3.amazonaws.com")

    static func authorization(_ request: SigV4Signer.Request) -> String? {
        request.headers.first { $0.name == "Authorization" }?.value
    }

    @Test func getVanilla() {
        var request = SigV4Signer.Request(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")])
        Self.suite.sign(&request, payloadHash: SigV4Signer.emptyPayloadSHA256, date: Self.suiteDate)
        #expect(request.headers.contains { $0 == ("x-amz-date", "20150830T123600Z") })
        #expect(Self.authorization(request) == """
            AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
            SignedHeaders=host;x-amz-date, \
            Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31
            """)
    }

    @Test func getVanillaQueryOrderKeyCase() {
        var request = SigV4Signer.Request(
            method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")],
            headers: [("Host", "example.amazonaws.com")])
        let signature = Self.suite.sign(&request, payloadHash: SigV4Signer.emptyPayloadSHA256, date: Self.suiteDate)
        #expect(signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    /// Non-ASCII path bytes are encoded as upper-case `%XX` of their UTF-8.
    @Test func getUTF8() {
        let path = "/" + SigV4Signer.encodePath("ሴ")
        #expect(path == "/%E1%88%B4")
        var request = SigV4Signer.Request(method: "GET", path: path, headers: [("Host", "example.amazonaws.com")])
        let signature = Self.suite.sign(&request, payloadHash: SigV4Signer.emptyPayloadSHA256, date: Self.suiteDate)
        #expect(signature == "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")
    }

    /// Unreserved characters are left alone.
    @Test func getUnreserved() {
        let path = "/" + SigV4Signer.encodePath("-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var request = SigV4Signer.Request(method: "GET", path: path, headers: [("Host", "example.amazonaws.com")])
        let signature = Self.suite.sign(&request, payloadHash: SigV4Signer.emptyPayloadSHA256, date: Self.suiteDate)
        #expect(signature == "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f")
    }

    @Test func s3GetObjectWithRange() {
        var request = SigV4Signer.Request(method: "GET", path: "/test.txt", headers: [Self.s3Host, ("Range", "bytes=0-9")])
        let signature = Self.s3.sign(&request, payloadHash: SigV4Signer.emptyPayloadSHA256, date: Self.s3Date)
        // Every intermediate value AWS publishes, so a failure says which step broke.
        let canonical = Self.s3.canonicalRequest(
            SigV4Signer.Request(method: "GET", path: "/test.txt", headers: request.headers.filter { $0.name != "Authorization" }),
            payloadHash: SigV4Signer.emptyPayloadSHA256)
        #expect(canonical == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(Self.s3.stringToSign(canonicalRequest: canonical, amzDate: "20130524T000000Z", day: "20130524") == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        #expect(signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(Self.authorization(request) == """
            AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
            SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
            Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41
            """)
    }

    @Test func s3PutObjectWithSignedPayload() {
        let body = "Welcome to Amazon S3."
        let payloadHash = Bytes.hex(SHA256.hash(data: Data(body.utf8)))
        #expect(payloadHash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        // `$` in the key is encoded once, and signed as sent.
        let path = "/" + SigV4Signer.encodePath("test$file.text")
        #expect(path == "/test%24file.text")
        var request = SigV4Signer.Request(
            method: "PUT", path: path,
            headers: [Self.s3Host, ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")])
        let signature = Self.s3.sign(&request, payloadHash: payloadHash, date: Self.s3Date)
        #expect(Self.authorization(request)?.contains(
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,") == true)
        #expect(signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func s3GetBucketLifecycleWithAValuelessParameter() {
        var request = SigV4Signer.Request(method: "GET", path: "/", query: [("lifecycle", "")], headers: [Self.s3Host])
        let signature = Self.s3.sign(&request, payloadHash: SigV4Signer.emptyPayloadSHA256, date: Self.s3Date)
        #expect(signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func s3ListObjectsSortsTheQuery() {
        var request = SigV4Signer.Request(
            method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: [Self.s3Host])
        let signature = Self.s3.sign(&request, payloadHash: SigV4Signer.emptyPayloadSHA256, date: Self.s3Date)
        #expect(signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    /// The whole URL, built by the store (virtual-hosted, as in AWS's example).
    @Test func s3PresignedGetObject() throws {
        let store = try S3MediaStore(config: S3Config(
            endpoint: URL(string: "https://s3.amazonaws.com")!, bucket: "examplebucket", region: "us-east-1",
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            usePathStyle: false))
        let url = try store.presignedURL(
            method: "GET", key: try MediaKey("test.txt"), contentType: nil, expiresIn: .seconds(86400), now: Self.s3Date)
        #expect(url.absoluteString == """
            https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256\
            &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
            &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
            &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404
            """)
    }

    @Test func presignedLifetimeIsBounded() throws {
        let store = try S3MediaStore(config: S3Config(
            endpoint: URL(string: "http://127.0.0.1:9")!, bucket: "b-1", region: "us-east-1",
            accessKeyID: "a", secretAccessKey: "s"))
        for lifetime in [Duration.seconds(0), .seconds(604_801)] {
            #expect(throws: MediaStoreError.self) {
                try store.presignedURL(method: "GET", key: try MediaKey("x"), contentType: nil, expiresIn: lifetime, now: Date())
            }
        }
    }

    @Test func encodesTheWayS3Expects() {
        #expect(SigV4Signer.encode("AZaz09-_.~") == "AZaz09-_.~")
        #expect(SigV4Signer.encode("a b/c+d=e&f") == "a%20b%2Fc%2Bd%3De%26f")
        #expect(SigV4Signer.encode("ü€") == "%C3%BC%E2%82%AC")
        #expect(SigV4Signer.encodePath("dir with space/ü.jpg") == "dir%20with%20space/%C3%BC.jpg")
        // Already-encoded text is encoded again: keys are raw, never pre-encoded.
        #expect(SigV4Signer.encodePath("100%.jpg") == "100%25.jpg")
    }

    @Test func canonicalHeadersTrimAndMerge() {
        let headers = SigV4Signer.canonicalHeaders([("X-Multi", "  a   b  "), ("x-multi", "c"), ("Host", "h")])
        #expect(headers == "host:h\nx-multi:a b,c\n")
    }

    @Test func parsesHTTPDates() {
        #expect(AWSDate.parseHTTPDate("Fri, 24 May 2013 00:00:00 GMT") == Self.s3Date)
        #expect(AWSDate.parseHTTPDate("Sun, 30 Aug 2015 12:36:00 GMT") == Self.suiteDate)
        #expect(AWSDate.parseHTTPDate("2013-05-24T00:00:00Z") == nil)
    }
}
