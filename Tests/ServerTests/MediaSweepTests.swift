import FacepipeCore
import Foundation
import Persistence
import Services
import Storage
import Testing
import TestSupport

/// Files a crash leaves behind (an original written whose row never committed, a `.part`, a
/// spool file) are removed by the sweep; everything a row refers to, and recent files, stay.
@Suite struct MediaSweepTests {
    @Test func orphansOlderThanTheGracePeriodGoAndReferencedOrRecentFilesStay() async throws {
        try await IngestHarness.run { client, env in
            var id = ""
            try await client.upload(Multipart(files: [.init(filename: "kept.jpg", contentType: "image/jpeg", data: try TestImages.jpeg())])) {
                id = $0.files.first?["id"] as? String ?? ""
            }
            #expect(!id.isEmpty)
            let root = env.mediaRoot
            let old = Date().addingTimeInterval(-3600)
            func write(_ relative: String, age: Date) throws -> URL {
                let url = root.appendingPathComponent(relative)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data("orphan".utf8).write(to: url)
                try FileManager.default.setAttributes([.modificationDate: age], ofItemAtPath: url.path)
                return url
            }
            let orphan = try write("originals/2026/11/\(UUID().uuidString.lowercased()).jpg", age: old)
            let orphanThumb = try write("thumbnails/medium/\(UUID().uuidString.lowercased()).webp", age: old)
            let recent = try write("originals/2026/12/\(UUID().uuidString.lowercased()).jpg", age: Date())
            let part = try write("tmp/\(UUID().uuidString.lowercased()).part", age: old)
            try FileManager.default.createDirectory(at: env.spool, withIntermediateDirectories: true)
            let spooled = env.spool.appendingPathComponent("upload-\(UUID().uuidString)")
            try Data("half an upload".utf8).write(to: spooled)
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: spooled.path)
            // The stored original of the real upload is old too: still referenced, so it stays.
            let stored = env.storedFiles().filter { (path: String) -> Bool in path.contains("/originals/") && !path.hasSuffix(orphan.lastPathComponent)
                && !path.hasSuffix(recent.lastPathComponent) }
            #expect(stored.count == 1)
            for path in stored { try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path) }

            let sweep = MediaSweep(store: try LocalMediaStore(root: root), client: env.client, spool: env.spool, intervalMinutes: 0,
                                   logger: TestDatabase.logger)
            let report = try await sweep.sweep()
            #expect(Set(report.orphansRemoved.map { root.appendingPathComponent($0).lastPathComponent })
                == [orphan.lastPathComponent, orphanThumb.lastPathComponent])
            #expect(report.partsRemoved == 1 && report.spoolRemoved == 1)
            for gone in [orphan, orphanThumb, part, spooled] { #expect(!FileManager.default.fileExists(atPath: gone.path), "\(gone.path)") }
            for kept in stored + [recent.path] { #expect(FileManager.default.fileExists(atPath: kept), "\(kept)") }
            // A second pass finds nothing more.
            #expect(try await sweep.sweep().orphansRemoved.isEmpty)
        }
    }
}
