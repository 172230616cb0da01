import Foundation
import NIOCore

/// Where facepipe keeps media bytes: a local folder or an S3-compatible bucket.
///
/// Missing objects are not errors: `head` and `stream` return nil and `delete` succeeds,
/// so callers (idempotent job handlers) need no special cases for a second attempt.
public protocol MediaStore: Sendable {
    /// Stores the file at `file` under `key`, reading it in chunks (never whole into memory).
    /// `contentType` nil means "from the key's extension".
    @discardableResult
    func put(_ key: MediaKey, file: URL, contentType: String?) async throws -> StoredObject

    @discardableResult
    func put(_ key: MediaKey, bytes: ByteBuffer, contentType: String?) async throws -> StoredObject

    /// The object's bytes as a stream, the whole object or one range of it; nil if missing.
    /// Throws `MediaStoreError.rangeNotSatisfiable` when the range selects nothing.
    func stream(_ key: MediaKey, range: ByteRange?) async throws -> MediaObjectStream?

    func head(_ key: MediaKey) async throws -> MediaObjectInfo?

    /// Succeeds whether or not the object existed.
    func delete(_ key: MediaKey) async throws

    func exists(_ key: MediaKey) async throws -> Bool

    /// A URL a client can PUT the object to directly, or nil when the store cannot issue one
    /// (the local store: the server signs its own URLs with `URLSigner`).
    func presignedPutURL(key: MediaKey, contentType: String, expiresIn: Duration) async throws -> URL?

    /// A URL a client can GET the object from directly, or nil (see `presignedPutURL`).
    func presignedGetURL(key: MediaKey, expiresIn: Duration) async throws -> URL?
}

/// What a store knows about one object.
public struct MediaObjectInfo: Sendable, Hashable {
    public var size: Int64
    public var contentType: String
    /// Quoted, ready for an `ETag` header.
    public var etag: String
    public var lastModified: Date

    public init(size: Int64, contentType: String, etag: String, lastModified: Date) {
        self.size = size
        self.contentType = contentType
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// The result of a `put`.
public struct StoredObject: Sendable, Hashable {
    public var key: MediaKey
    public var size: Int64
    /// Quoted, as the store will report it from `head`.
    public var etag: String

    public init(key: MediaKey, size: Int64, etag: String) {
        self.key = key
        self.size = size
        self.etag = etag
    }
}

/// An object being read: its metadata, the byte range being sent, and the bytes.
public struct MediaObjectStream: Sendable {
    /// The whole object's metadata (`size` is the full size, not the range's).
    public var info: MediaObjectInfo
    /// The bytes `body` carries; nil when it carries the whole object.
    public var range: ClosedRange<Int64>?
    public var body: MediaBody

    /// How many bytes `body` will yield.
    public var contentLength: Int64 { range.map { $0.upperBound - $0.lowerBound + 1 } ?? info.size }
}

extension MediaStore {
    public func exists(_ key: MediaKey) async throws -> Bool { try await head(key) != nil }

    /// The whole object (or one range) in memory; nil if missing. Refuses objects larger
    /// than `maxBytes` rather than exhaust memory: stream those.
    public func get(_ key: MediaKey, range: ByteRange? = nil, maxBytes: Int = 64 << 20) async throws -> ByteBuffer? {
        guard let object = try await stream(key, range: range) else { return nil }
        guard object.contentLength <= maxBytes else { throw MediaStoreError.tooLarge(limit: maxBytes) }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Int(object.contentLength))
        for try await chunk in object.body {
            guard buffer.readableBytes + chunk.readableBytes <= maxBytes else {
                throw MediaStoreError.tooLarge(limit: maxBytes)
            }
            buffer.writeImmutableBuffer(chunk)
        }
        return buffer
    }

    @discardableResult
    public func put(_ key: MediaKey, data: Data, contentType: String? = nil) async throws -> StoredObject {
        try await put(key, bytes: ByteBuffer(bytes: data), contentType: contentType)
    }
}
