import Foundation
import NIOCore
import Testing

@testable import Storage

@Suite struct LocalMediaStoreTests {
    /// `.part` files left in the staging folder.
    func leftoverParts(_ root: URL) throws -> [String] {
        let tmp = root.appendingPathComponent("tmp")
        guard FileManager.default.fileExists(atPath: tmp.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasSuffix(".part") }
    }

    @Test func roundTripsBytes() async throws {
        try await withScratchDirectory { root in
            let store = try LocalMediaStore(root: root)
            let k = try key("thumbnails/medium/a.webp")
            let bytes = randomBytes(10_000)
            let writtenAfter = Date()
            let stored = try await store.put(k, bytes: ByteBuffer(bytes: bytes), contentType: nil)
            #expect(stored.size == 10_000)

            let onDisk = try Data(contentsOf: root.appendingPathComponent("thumbnails/medium/a.webp"))
            #expect(Array(onDisk) == bytes)
            let info = try #require(try await store.head(k))
            #expect(info.size == 10_000)
            #expect(info.contentType == "image/webp")
            #expect(info.etag == stored.etag && info.etag.hasPrefix("\"") && info.etag.hasSuffix("\""))
            // Written during this test (ordered by events, not by how long the test took; the
            // second allows for the file system's timestamp granularity).
            #expect(info.lastModified >= writtenAfter.addingTimeInterval(-1) && info.lastModified <= Date().addingTimeInterval(1))
            #expect(try await store.get(k)?.bytes == bytes)
            #expect(try await store.exists(k))
            #expect(try leftoverParts(root).isEmpty)

            try await store.delete(k)
            #expect(try await store.head(k) == nil)
            #expect(try await !store.exists(k))
            try await store.delete(k)  // idempotent
        }
    }

    @Test func etagIsStableAndChangesWithTheContent() async throws {
        try await withScratchDirectory { root in
            let store = try LocalMediaStore(root: root)
            let k = try key("processed/x.webp")
            try await store.put(k, data: Data("one".utf8))
            let first = try #require(try await store.head(k)).etag
            #expect(try await store.head(k)?.etag == first)
            try await store.put(k, data: Data("two".utf8))
            #expect(try await store.head(k)?.etag != first)
            #expect(try await store.get(k)?.bytes == Array("two".utf8))
        }
    }

    @Test func streamsAMultiMegabyteFileFromDisk() async throws {
        try await withScratchDirectory { root in
            let store = try LocalMediaStore(root: root.appendingPathComponent("media"))
            let source = root.appendingPathComponent("upload.bin")
            let bytes = randomBytes(5 << 20 + 123)
            try Data(bytes).write(to: source)
            let k = try MediaKey.original(id: UUID(), ext: "jpg", date: Date())

            let stored = try await store.put(k, file: source, contentType: "image/jpeg")
            #expect(stored.size == Int64(bytes.count))
            let object = try #require(try await store.stream(k, range: nil))
            #expect(object.range == nil && object.contentLength == Int64(bytes.count))
            let (read, chunks) = try await collect(object.body)
            #expect(chunks > 1)  // streamed, not one buffer
            #expect(sha256Hex(read) == sha256Hex(bytes))
            #expect(try leftoverParts(store.root).isEmpty)
        }
    }

    @Test func servesByteRanges() async throws {
        try await withScratchDirectory { root in
            let store = try LocalMediaStore(root: root)
            let k = try key("r.bin")
            let bytes = (0..<1000).map { UInt8($0 % 251) }
            try await store.put(k, bytes: ByteBuffer(bytes: bytes), contentType: nil)

            let cases: [(ByteRange, ClosedRange<Int64>)] = [
                (.closed(first: 0, last: 9), 0...9), (.closed(first: 990, last: 5000), 990...999),
                (.from(first: 500), 500...999), (.suffix(count: 10), 990...999),
            ]
            for (range, expected) in cases {
                let object = try #require(try await store.stream(k, range: range))
                #expect(object.range == expected)
                #expect(object.info.size == 1000)
                #expect(object.contentLength == Int64(expected.count))
                #expect(try await collect(object.body).bytes == Array(bytes[Int(expected.lowerBound)...Int(expected.upperBound)]))
            }
            #expect(try await store.get(k, range: .closed(first: 1, last: 3))?.bytes == [1, 2, 3])
            await #expect(throws: MediaStoreError.rangeNotSatisfiable(size: 1000)) {
                try await store.stream(k, range: .from(first: 1000))
            }
            await #expect(throws: MediaStoreError.tooLarge(limit: 100)) { try await store.get(k, maxBytes: 100) }
        }
    }

    @Test func missingKeysAreNilNotErrors() async throws {
        try await withScratchDirectory { root in
            let store = try LocalMediaStore(root: root)
            let k = try key("originals/2026/11/missing.jpg")
            #expect(try await store.head(k) == nil)
            #expect(try await store.stream(k, range: nil) == nil)
            #expect(try await store.get(k) == nil)
            #expect(try await !store.exists(k))
            try await store.delete(k)
            // A folder is not an object.
            try await store.put(try key("dir/file.jpg"), data: Data([1]))
            #expect(try await store.head(try key("dir")) == nil)
            try await store.delete(try key("dir"))
            #expect(try await store.exists(try key("dir/file.jpg")))
        }
    }

    @Test func failedWritesLeaveNoPartFile() async throws {
        try await withScratchDirectory { root in
            let store = try LocalMediaStore(root: root.appendingPathComponent("media"))
            try await store.put(try key("a.jpg"), data: Data([1]))
            // A parent that is a file.
            await #expect(throws: MediaStoreError.self) { try await store.put(try key("a.jpg/b.jpg"), data: Data([2])) }
            // A destination that is a non-empty folder.
            try await store.put(try key("d/inner.jpg"), data: Data([3]))
            await #expect(throws: MediaStoreError.self) { try await store.put(try key("d"), data: Data([4])) }
            // A source that fails mid-copy (a folder cannot be read).
            await #expect(throws: MediaStoreError.self) { try await store.put(try key("c.jpg"), file: root, contentType: nil) }
            // A source that does not exist.
            await #expect(throws: MediaStoreError.self) {
                try await store.put(try key("e.jpg"), file: root.appendingPathComponent("nope"), contentType: nil)
            }
            #expect(try leftoverParts(store.root).isEmpty)
            #expect(try await store.get(try key("a.jpg"))?.bytes == [1])
            #expect(try await !store.exists(try key("c.jpg")))
        }
    }

    @Test func sweepsPartFilesACrashLeftBehind() async throws {
        try await withScratchDirectory { root in
            let store = try LocalMediaStore(root: root)
            let tmp = root.appendingPathComponent("tmp")
            try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
            let old = tmp.appendingPathComponent("\(UUID()).part"), fresh = tmp.appendingPathComponent("\(UUID()).part")
            try Data([1]).write(to: old)
            try Data([2]).write(to: fresh)
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: old.path)
            try await store.put(try key("tmp/kept.bin"), data: Data([3]))
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: tmp.appendingPathComponent("kept.bin").path)

            #expect(try await store.removeStaleParts(olderThan: .seconds(3600)) == 1)
            #expect(try leftoverParts(root) == [fresh.lastPathComponent])
            #expect(try await store.exists(try key("tmp/kept.bin")))  // objects under tmp/ are not parts
        }
    }

    @Test func storesEmptyObjects() async throws {
        try await withScratchDirectory { root in
            let store = try LocalMediaStore(root: root)
            let k = try key("empty.bin")
            #expect(try await store.put(k, data: Data()).size == 0)
            #expect(try await store.head(k)?.size == 0)
            #expect(try await store.get(k)?.readableBytes == 0)
            await #expect(throws: MediaStoreError.rangeNotSatisfiable(size: 0)) {
                try await store.stream(k, range: .from(first: 0))
            }
        }
    }

    @Test func readsASymlinkedSourceFile() async throws {
        try await withScratchDirectory { scratch in
            let store = try LocalMediaStore(root: scratch.appendingPathComponent("media"))
            let real = scratch.appendingPathComponent("real.bin"), link = scratch.appendingPathComponent("link.bin")
            try Data([9, 8, 7]).write(to: real)
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
            try await store.put(try key("s.bin"), file: link, contentType: nil)
            #expect(try await store.get(try key("s.bin"))?.bytes == [9, 8, 7])
        }
    }

    @Test func concurrentWritersNeverInterleave() async throws {
        try await withScratchDirectory { root in
            let store = try LocalMediaStore(root: root)
            let k = try key("race.bin")
            let versions = (0..<8).map { UInt8($0) }.map { [UInt8](repeating: $0, count: 256 << 10) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for version in versions {
                    group.addTask { try await store.put(k, bytes: ByteBuffer(bytes: version), contentType: nil) }
                }
                try await group.waitForAll()
            }
            let final = try #require(try await store.get(k)).bytes
            #expect(versions.contains(final))  // one whole version, never a mix
            #expect(try leftoverParts(root).isEmpty)
        }
    }

    @Test func refusesSymlinksOutOfTheRoot() async throws {
        try await withScratchDirectory { scratch in
            let fm = FileManager.default
            let outside = scratch.appendingPathComponent("outside")
            try fm.createDirectory(at: outside, withIntermediateDirectories: true)
            try Data("secret".utf8).write(to: outside.appendingPathComponent("secret.jpg"))
            let root = scratch.appendingPathComponent("media")
            let store = try LocalMediaStore(root: root)
            try fm.createSymbolicLink(at: root.appendingPathComponent("linked"), withDestinationURL: outside)
            try fm.createSymbolicLink(
                at: root.appendingPathComponent("evil.jpg"), withDestinationURL: outside.appendingPathComponent("secret.jpg"))

            for raw in ["linked/secret.jpg", "evil.jpg"] {
                let k = try key(raw)
                await #expect(throws: MediaStoreError.outsideRoot(key: raw)) { try await store.head(k) }
                await #expect(throws: MediaStoreError.outsideRoot(key: raw)) { try await store.stream(k, range: nil) }
            }
            // Writing through the symlinked folder creates nothing outside.
            await #expect(throws: MediaStoreError.outsideRoot(key: "linked/new.jpg")) {
                try await store.put(try key("linked/new.jpg"), data: Data([1]))
            }
            await #expect(throws: MediaStoreError.outsideRoot(key: "linked/sub/new.jpg")) {
                try await store.put(try key("linked/sub/new.jpg"), data: Data([1]))
            }
            #expect(try fm.contentsOfDirectory(atPath: outside.path) == ["secret.jpg"])
            // Deleting through the symlinked folder is refused; deleting the link removes only the link.
            await #expect(throws: MediaStoreError.outsideRoot(key: "linked/secret.jpg")) {
                try await store.delete(try key("linked/secret.jpg"))
            }
            try await store.delete(try key("evil.jpg"))
            #expect(try String(contentsOf: outside.appendingPathComponent("secret.jpg"), encoding: .utf8) == "secret")
            #expect(try leftoverParts(root).isEmpty)
        }
    }

    @Test func followsSymlinksThatStayInside() async throws {
        try await withScratchDirectory { root in
            let store = try LocalMediaStore(root: root)
            try await store.put(try key("real/a.jpg"), data: Data([7]))
            try FileManager.default.createSymbolicLink(
                at: root.appendingPathComponent("alias"), withDestinationURL: root.appendingPathComponent("real"))
            #expect(try await store.get(try key("alias/a.jpg"))?.bytes == [7])
        }
    }

    @Test func rootIsCanonical() async throws {
        try await withScratchDirectory { scratch in
            let real = scratch.appendingPathComponent("real")
            try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
            let link = scratch.appendingPathComponent("link")
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
            // A symlinked root (a mounted disk, say) is fine: it is resolved once, at start.
            let store = try LocalMediaStore(root: link)
            try await store.put(try key("x.png"), data: Data([1]))
            #expect(try await store.head(try key("x.png"))?.contentType == "image/png")
            #expect(FileManager.default.fileExists(atPath: real.appendingPathComponent("x.png").path))
            #expect(try await store.presignedGetURL(key: try key("x.png"), expiresIn: .seconds(60)) == nil)
            #expect(try await store.presignedPutURL(key: try key("x.png"), contentType: "image/png", expiresIn: .seconds(60)) == nil)
        }
    }
}
