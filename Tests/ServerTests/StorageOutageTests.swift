@testable import App
import FacepipeCore
import Foundation
import NIOCore
import Persistence
import Queue
import ServiceLifecycle
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

    /// S3 (moto on loopback) goes away while a job runs: process_image fails on the storage
    /// error and is retried with backoff, nothing of it is recorded meanwhile, and once S3 is
    /// back the job finishes with every file in the bucket. "Away" is a real refused connection:
    /// the store the handlers use switches between a client of moto and a client of a port
    /// nothing listens on (moto keeps its objects in memory, so stopping it would lose them).
    @Test func jobsRetryWhileS3IsDownAndFinishOnceItIsBack() async throws {
        guard let endpoint = ProcessInfo.processInfo.environment["FACEPIPE_TEST_S3_ENDPOINT"].flatMap(URL.init(string:)) else {
            throw TestSetupError("FACEPIPE_TEST_S3_ENDPOINT is not set: run the tests with `make test`")
        }
        let bucket = "facepipe-outage-\(UInt32.random(in: 0...UInt32.max))"
        func s3(_ url: URL) throws -> S3MediaStore {
            try S3MediaStore(config: S3Config(endpoint: url, bucket: bucket, region: "us-east-1", accessKeyID: "test", secretAccessKey: "testsecret"))
        }
        let live = try s3(endpoint)
        try await live.createBucketIfMissing()
        let store = SwitchedStore(up: live, down: try s3(URL(string: "http://127.0.0.1:1")!))
        let config = try AppConfig(from: DictionaryConfigSource(["QUEUE_MAX_ATTEMPTS": "50"]))
        try await IngestHarness.run(store: { _ in store }) { client, env in
            var id = ""
            try await client.upload(Multipart(files: [.init(filename: "a.jpg", contentType: "image/jpeg", data: try TestImages.jpeg())])) {
                #expect($0.status == .ok)
                id = $0.files.first?["id"] as? String ?? ""
            }
            store.isDown.withLock { $0 = true }
            // Attempts enough that however long this test is starved while S3 is down, the job
            // is still being retried (not failed for good) when the checks below look at it.
            _ = try await env.scalar("WITH raised AS (UPDATE jobs SET max_attempts = 10000 WHERE kind = 'process_image' RETURNING 1) SELECT count(*) FROM raised")
            let queue = JobQueue(client: env.client, defaultMaxAttempts: 50, logger: TestDatabase.logger)
            let handlers = Runtime.makeHandlers(config, client: env.client, queue: queue, store: store, links: env.links,
                                                faces: .init(detection: nil, embedder: nil), logger: TestDatabase.logger)
            let pool = WorkerPool(queue: queue, handlers: handlers,
                                  config: QueueConfig(concurrency: 1, pollIntervalMilliseconds: 50, backoff: Backoff(baseMilliseconds: 100, maxMilliseconds: 400)),
                                  logger: TestDatabase.logger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: pool)], logger: TestDatabase.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                defer { Task { await group.triggerGracefulShutdown() } }
                @Sendable func attempts() async throws -> Int {
                    try await env.scalar("SELECT coalesce(max(attempts), 0) FROM jobs WHERE kind = 'process_image'")
                }
                #expect(try await eventually { try await attempts() >= 3 }, "process_image should have failed and been retried while S3 was down")
                #expect(try await env.scalar("SELECT count(*) FROM image_files WHERE kind <> 'original'") == 0, "nothing recorded while down")
                #expect(try await env.scalar("SELECT count(*) FROM jobs WHERE kind = 'process_image' AND status = 'failed'") == 0)
                store.isDown.withLock { $0 = false }
                let start = ContinuousClock.now
                let finished = try await eventually {
                    try await env.scalar("SELECT count(*) FROM jobs WHERE kind = 'process_image' AND status = 'done'") == 1
                }
                print("S3 back: process_image finished=\(finished) after \(ContinuousClock.now - start)")
                #expect(finished, "process_image finished once S3 was back")
                #expect(try await env.scalar("SELECT count(*) FROM images WHERE status = 'done'") == 1, "the image is done")
                var keys: [String] = []
                for try await key in try await env.client.query("SELECT key FROM image_files").decode(String.self) { keys.append(key) }
                var states: [String] = []
                for try await row in try await env.client.query("SELECT id::text || ' ' || status || ' ' || coalesce(error, '') FROM images").decode(String.self) { states.append(row) }
                for try await row in try await env.client.query("SELECT id::text || ' ' || kind || ' ' || status || ' ' || attempts FROM jobs").decode(String.self) { states.append(row) }
                for try await row in try await env.client.query("SELECT to_char(at, 'MI:SS.MS') || ' ' || type || ' ' || coalesce(job_id::text, '') || ' ' || data::text FROM events ORDER BY id").decode(String.self) { states.append(row) }
                #expect(keys.count >= 4, "the original and its thumbnails: \(keys); images: \(states)")
                for key in keys { #expect(try await live.exists(MediaKey(key)), "\(key) in the bucket") }
                let errors = try await env.client.query("SELECT error_log::text FROM jobs WHERE kind = 'process_image'").decode(String.self)
                for try await log in errors { print("S3 down: process_image error log \(log.prefix(300))") }
                #expect(keys.contains { $0.contains(id.lowercased()) })
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    /// Forwards to `up`, or while `isDown` to `down` (an S3 client of a closed port).
    final class SwitchedStore: MediaStore, @unchecked Sendable {
        let up: S3MediaStore, down: S3MediaStore
        let isDown = Locked(false)
        init(up: S3MediaStore, down: S3MediaStore) { self.up = up; self.down = down }
        var current: S3MediaStore { isDown.withLock { $0 } ? down : up }
        func put(_ key: MediaKey, file: URL, contentType: String?) async throws -> StoredObject { try await current.put(key, file: file, contentType: contentType) }
        func put(_ key: MediaKey, bytes: ByteBuffer, contentType: String?) async throws -> StoredObject { try await current.put(key, bytes: bytes, contentType: contentType) }
        func stream(_ key: MediaKey, range: ByteRange?) async throws -> MediaObjectStream? { try await current.stream(key, range: range) }
        func head(_ key: MediaKey) async throws -> MediaObjectInfo? { try await current.head(key) }
        func delete(_ key: MediaKey) async throws { try await current.delete(key) }
        func exists(_ key: MediaKey) async throws -> Bool { try await current.exists(key) }
        func presignedPutURL(key: MediaKey, contentType: String, expiresIn: Duration) async throws -> URL? { try await current.presignedPutURL(key: key, contentType: contentType, expiresIn: expiresIn) }
        func presignedGetURL(key: MediaKey, expiresIn: Duration) async throws -> URL? { try await current.presignedGetURL(key: key, expiresIn: expiresIn) }
    }
}
