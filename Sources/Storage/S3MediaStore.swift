import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Media in an S3-compatible bucket, over plain HTTP(S) signed with `SigV4Signer`.
///
/// The `HTTPClient` belongs to the caller (default: `HTTPClient.shared`, which needs no
/// shutdown). Missing keys are nil from `head`/`stream` and a no-op for `delete`; every other
/// refusal is an `S3Error` carrying S3's code and message.
public struct S3MediaStore: MediaStore {
    public let config: S3Config
    private let client: HTTPClient
    private let signer: SigV4Signer
    private let timeout: TimeAmount
    private let logger: Logger
    private let scheme: String
    private let authority: String
    private let basePath: String

    /// The client stores use unless given one: a connection that cannot be made within 3 s fails
    /// the request (an unreachable endpoint is a quick 503 for the caller, not minutes of retries;
    /// `HTTPClient.shared` keeps retrying the connection until its own connect timeout).
    public static let defaultClient = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(3))))

    /// `timeout` bounds a whole request, upload included.
    public init(
        config: S3Config, httpClient: HTTPClient = S3MediaStore.defaultClient, timeout: TimeAmount = .minutes(5),
        logger: Logger = Logger(label: "facepipe.storage.s3")
    ) throws {
        guard let scheme = config.endpoint.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = config.endpoint.host, !host.isEmpty else {
            throw MediaStoreError.invalidArgument("S3 endpoint must be an http(s) URL with a host, not \(config.endpoint)")
        }
        // Lower-case DNS labels: the only names that work both path-style and virtual-hosted.
        guard (3...63).contains(config.bucket.count),
              config.bucket.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            throw MediaStoreError.invalidArgument("invalid S3 bucket name \(config.bucket)")
        }
        self.config = config
        self.client = httpClient
        self.signer = SigV4Signer(
            accessKeyID: config.accessKeyID, secretAccessKey: config.secretAccessKey, region: config.region)
        self.timeout = timeout
        self.logger = logger
        self.scheme = scheme
        let hostAndPort = host + (config.endpoint.port.map { ":\($0)" } ?? "")
        self.authority = config.usePathStyle ? hostAndPort : "\(config.bucket).\(hostAndPort)"
        let endpointPath = config.endpoint.path
        self.basePath = endpointPath.hasSuffix("/") ? String(endpointPath.dropLast()) : endpointPath
    }

    // MARK: MediaStore

    @discardableResult
    public func put(_ key: MediaKey, file: URL, contentType: String?) async throws -> StoredObject {
        let (source, size) = try await NIOThreadPool.singleton.runIfActive {
            let source = try OpenFile.reading(file.path, followSymlink: true)
            let status = try Posix.fileStat(source.fd, path: file.path)
            guard Posix.isRegularFile(status) else {
                throw MediaStoreError.invalidArgument("not a regular file: \(file.path)")
            }
            return (source, Int64(status.st_size))
        }
        // Streamed with Content-Length and an unsigned payload: hashing first would read the
        // file twice. TLS protects the body in transit.
        let body = HTTPClientRequest.Body.stream(FileChunks(file: source, start: 0, end: size), length: .known(size))
        return try await put(key, body: body, size: size, payloadHash: SigV4Signer.unsignedPayload, contentType: contentType)
    }

    @discardableResult
    public func put(_ key: MediaKey, bytes: ByteBuffer, contentType: String?) async throws -> StoredObject {
        // Signing the SHA-256 makes S3 reject a body damaged on the way.
        let hash = Bytes.hex(bytes.withUnsafeReadableBytes { SHA256.hash(data: $0) })
        return try await put(
            key, body: .bytes(bytes), size: Int64(bytes.readableBytes), payloadHash: hash, contentType: contentType)
    }

    private func put(
        _ key: MediaKey, body: HTTPClientRequest.Body, size: Int64, payloadHash: String, contentType: String?
    ) async throws -> StoredObject {
        let type = contentType ?? ContentType.forKey(key)
        let response = try await send(
            .PUT, key: key, headers: [("content-type", type)], body: body, payloadHash: payloadHash)
        guard response.status == .ok else { throw await failure(response, key: key) }
        return StoredObject(key: key, size: size, etag: response.headers.first(name: "etag") ?? "")
    }

    public func stream(_ key: MediaKey, range: ByteRange?) async throws -> MediaObjectStream? {
        let headers = range.map { [("range", $0.headerValue)] } ?? []
        let response = try await send(.GET, key: key, headers: headers)
        switch response.status {
        case .ok:
            return MediaObjectStream(info: try info(response.headers, key: key), range: nil, body: MediaBody(source: .http(response.body)))
        case .partialContent:
            guard let (selected, total) = Self.contentRange(response.headers.first(name: "content-range")) else {
                throw S3Error(status: 206, code: "InvalidResponse", message: "206 without a usable Content-Range", resource: resource(key))
            }
            var info = try info(response.headers, key: key)
            info.size = total
            return MediaObjectStream(info: info, range: selected, body: MediaBody(source: .http(response.body)))
        case .rangeNotSatisfiable:
            _ = try? await response.body.collect(upTo: 64 << 10)
            guard let size = try await head(key)?.size else { return nil }
            throw MediaStoreError.rangeNotSatisfiable(size: size)
        default:
            let error = await failure(response, key: key)
            if response.status == .notFound, error.code == "NoSuchKey" { return nil }
            throw error
        }
    }

    public func head(_ key: MediaKey) async throws -> MediaObjectInfo? {
        let response = try await send(.HEAD, key: key)
        switch response.status {
        case .ok: return try info(response.headers, key: key)
        // A HEAD answer has no body to tell NoSuchKey from NoSuchBucket: both read as missing.
        case .notFound: return nil
        default: throw await failure(response, key: key)
        }
    }

    public func delete(_ key: MediaKey) async throws {
        let response = try await send(.DELETE, key: key)
        if response.status == .noContent || response.status == .ok {
            _ = try? await response.body.collect(upTo: 64 << 10)
            return
        }
        let error = await failure(response, key: key)
        // S3 answers 204 for a missing key; some compatible servers answer 404 NoSuchKey.
        if response.status == .notFound, error.code == "NoSuchKey" { return }
        throw error
    }

    /// The uploader must send `Content-Type: contentType` exactly: it is signed.
    public func presignedPutURL(key: MediaKey, contentType: String, expiresIn: Duration) async throws -> URL? {
        try presignedURL(method: "PUT", key: key, contentType: contentType, expiresIn: expiresIn, now: Date())
    }

    public func presignedGetURL(key: MediaKey, expiresIn: Duration) async throws -> URL? {
        try presignedURL(method: "GET", key: key, contentType: nil, expiresIn: expiresIn, now: Date())
    }

    /// A query-presigned URL (SigV4, at most 7 days, S3's limit) signed as of `now`.
    public func presignedURL(
        method: String, key: MediaKey, contentType: String?, expiresIn: Duration, now: Date
    ) throws -> URL {
        let seconds = expiresIn.components.seconds
        guard (1...604_800).contains(seconds) else {
            throw MediaStoreError.invalidArgument("presigned URL lifetime must be 1 s to 7 days, not \(expiresIn)")
        }
        let path = path(for: key)
        var headers = [("host", authority)]
        if let contentType { headers.append(("content-type", contentType)) }
        let request = SigV4Signer.Request(method: method, path: path, headers: headers)
        let query = signer.presignedQuery(request, date: now, expiresIn: Int(seconds))
        guard let url = URL(string: "\(scheme)://\(authority)\(path)?\(query)") else {
            throw MediaStoreError.invalidArgument("cannot form a URL for \(key)")
        }
        return url
    }

    // MARK: Bucket

    /// Creates the bucket unless it already exists and is ours (first start, tests).
    public func createBucketIfMissing() async throws {
        var body: ByteBuffer?
        // us-east-1 is the default location and must not be named.
        if config.region != "us-east-1" {
            body = ByteBuffer(string: """
                <CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
                <LocationConstraint>\(config.region)</LocationConstraint></CreateBucketConfiguration>
                """)
        }
        let hash = body.map { Bytes.hex($0.withUnsafeReadableBytes { SHA256.hash(data: $0) }) } ?? SigV4Signer.emptyPayloadSHA256
        let response = try await send(.PUT, key: nil, body: body.map { .bytes($0) }, payloadHash: hash)
        if response.status == .ok {
            _ = try? await response.body.collect(upTo: 64 << 10)
            return
        }
        let error = await failure(response, key: nil)
        if error.code == "BucketAlreadyOwnedByYou" { return }
        throw error
    }

    // MARK: HTTP

    /// `/bucket/key` (path-style) or `/key`, encoded once; the bucket itself for a nil key.
    private func path(for key: MediaKey?) -> String {
        let bucket = config.usePathStyle ? "/" + SigV4Signer.encode(config.bucket) : ""
        guard let key else { return basePath + (bucket.isEmpty ? "/" : bucket) }
        return basePath + bucket + "/" + SigV4Signer.encodePath(key.rawValue)
    }

    private func resource(_ key: MediaKey?) -> String { key.map { "\(config.bucket)/\($0)" } ?? config.bucket }

    private func send(
        _ method: HTTPMethod, key: MediaKey?, headers: [(String, String)] = [],
        body: HTTPClientRequest.Body? = nil, payloadHash: String = SigV4Signer.emptyPayloadSHA256
    ) async throws -> HTTPClientResponse {
        let path = path(for: key)
        var signed = SigV4Signer.Request(
            method: method.rawValue, path: path,
            headers: [("host", authority)] + headers.map { (name: $0.0, value: $0.1) })
        signer.sign(&signed, payloadHash: payloadHash, date: Date())
        var request = HTTPClientRequest(url: "\(scheme)://\(authority)\(path)")
        request.method = method
        for (name, value) in signed.headers { request.headers.add(name: name, value: value) }
        request.body = body
        return try await client.execute(request, timeout: timeout, logger: logger)
    }

    private func failure(_ response: HTTPClientResponse, key: MediaKey?) async -> S3Error {
        let body = (try? await response.body.collect(upTo: 64 << 10)).map { String(buffer: $0) } ?? ""
        return S3Error(
            status: Int(response.status.code), reason: response.status.reasonPhrase, body: body,
            requestID: response.headers.first(name: "x-amz-request-id"), resource: resource(key))
    }

    private func info(_ headers: HTTPHeaders, key: MediaKey) throws -> MediaObjectInfo {
        guard let size = headers.first(name: "content-length").flatMap({ Int64($0) }) else {
            throw S3Error(status: 200, code: "InvalidResponse", message: "no Content-Length", resource: resource(key))
        }
        return MediaObjectInfo(
            size: size,
            contentType: headers.first(name: "content-type") ?? ContentType.forKey(key),
            etag: headers.first(name: "etag") ?? "",
            lastModified: headers.first(name: "last-modified").flatMap(AWSDate.parseHTTPDate) ?? Date(timeIntervalSince1970: 0)
        )
    }

    /// `bytes 0-9/1234` → (0...9, 1234).
    static func contentRange(_ value: String?) -> (ClosedRange<Int64>, Int64)? {
        guard let value, value.hasPrefix("bytes ") else { return nil }
        let parts = value.dropFirst("bytes ".count).split(separator: "/")
        guard parts.count == 2, let total = Int64(parts[1]) else { return nil }
        let bounds = parts[0].split(separator: "-").compactMap { Int64($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { return nil }
        return (bounds[0]...bounds[1], total)
    }
}
