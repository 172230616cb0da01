import FacepipeCore
import Foundation
import NIOCore
import Storage
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A full disk and an unreachable S3 endpoint are answered clearly and leave nothing behind.
@Suite struct StorageOutageTests {
    /// A local store whose disk is full: every write fails as write(2) does then.
    struct FullDisk: MediaStore {
        let base: LocalMediaStore
        func full(_ key: MediaKey) -> MediaStoreError { .io(operation: "write", path: key.rawValue, errno: ENOSPC) }
        func put(_ key: MediaKey, file: URL, contentType: String?) async throws -> StoredObject { throw full(key) }
        func put(_ key: MediaKey, bytes: ByteBuffer, contentType: String?) async throws -> StoredObject { throw full(key) }
        func stream(_ key: MediaKey, range: ByteRange?) async throws -> MediaObjectStream? { try await base.stream(key, range: range) }
        func head(_ key: MediaKey) async throws -> MediaObjectInfo? { try await base.head(key) }
        func delete(_ key: MediaKey) async throws { try await base.delete(key) }
        func exists(_ key: MediaKey) async throws -> Bool { try await base.exists(key) }
        func presignedPutURL(key: MediaKey, contentType: String, expiresIn: Duration) async throws -> URL? { nil }
        func presignedGetURL(key: MediaKey, expiresIn: Duration) async throws -> URL? { nil }
    }

    @Test func aFullDiskIs507AndNothingIsStored() async throws {
        try await IngestHarness.run(store: { FullDisk(base: try LocalMediaStore(root: $0)) }) { client, env in
            try await client.upload(Multipart(files: [.init(filename: "a.jpg", contentType: "image/jpeg", data: try TestImages.jpeg())])) {
                #expect($0.status.code == 507 && $0.errorCode == "insufficient_storage", "\(String(buffer: $0.body))")
                #expect($0.headers[.retryAfter] != nil)
            }
            #expect(try await env.imageRows() == 0 && env.storedFiles().isEmpty)
        }
    }

    @Test func anUnreachableS3EndpointIs503AndNothingIsStored() async throws {
        // Nothing listens on port 1 of loopback: connections are refused at once.
        let s3 = try S3MediaStore(config: S3Config(endpoint: URL(string: "http://127.0.0.1:1")!, bucket: "down", region: "us-east-1",
                                                   accessKeyID: "test", secretAccessKey: "testsecret"))
        try await IngestHarness.run(store: { _ in s3 }) { client, env in
            try await client.upload(Multipart(files: [.init(filename: "a.jpg", contentType: "image/jpeg", data: try TestImages.jpeg())])) {
                #expect($0.status == .serviceUnavailable && $0.errorCode == "storage_unavailable", "\(String(buffer: $0.body))")
            }
            #expect(try await env.imageRows() == 0 && env.storedFiles().isEmpty)
        }
    }
}
