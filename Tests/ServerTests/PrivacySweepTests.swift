import FacepipeCore
import Foundation
import HTTPTypes
import NIOCore
import Persistence
import PostgresNIO
import Queue
import Testing
import TestSupport

@testable import App

/// Privacy regression sweep: photos carrying GPS, camera make and model, serial numbers and
/// timestamps go through everything facepipe derives (thumbnails, face crops, anonymized
/// copies, API answers, the timeline, webhook bodies), and no byte of any of it may carry them.
/// Only the original keeps them (it is served to admins alone, by signed URL).
@Suite struct PrivacySweepTests {
    /// EXIF APP1 (with GPS) placed right after the JPEG's SOI marker, before any EXIF it had.
    static func withExif(_ jpeg: Data, _ exif: ExifBlob) -> Data {
        let blob = exif.bytes
        let length = blob.count + 2
        return jpeg.prefix(2) + Data([0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + blob) + jpeg.dropFirst(2)
    }

    static let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("../shared/testdata/formats/exif_gps").standardizedFileURL

    @Test func noDerivedByteCarriesLocationDeviceOrTime() async throws {
        let (detection, embedder) = try FaceSearchTests.models()
        let exif = ExifBlob(make: "FacepipeCam", model: "Model-X9")
        var found: [(String, Data)] = [
            // A face (so crops and anonymized copies exist) with Canon EXIF: serial, lens, dates; and our GPS.
            ("obama.jpg", Self.withExif(try FaceSearchTests.photo("obama.jpg"), exif)),
            ("noise.jpg", Self.withExif(try TestImages.jpeg(seed: 3), exif)),
        ]
        // Real camera files with GPS (Nikon COOLPIX), when the shared test data is here.
        for name in ["DSCN0010.jpg", "DSCN0021.jpg"] {
            if let data = FileManager.default.contents(atPath: Self.shared.appendingPathComponent(name).path) { found.append((name, data)) }
        }
        let photos = found
        var markers: [(String, Data)] = [
            "FacepipeCam", "Model-X9", "Canon", "EOS 5D", "042033006980", "EF85mm", "2012:12:06", "2017:03:02",
            "Exif", "EXIF", "GPS",
        ].map { ($0, Data($0.utf8)) }
        markers.append(("GPS latitude bytes", Data(ExifBlob.latitudeSecondsBytes)))
        if photos.count > 2 { markers += ["NIKON", "COOLPIX", "2008:10:22", "2008:11:01"].map { ($0, Data($0.utf8)) } }
        let needles = markers

        let config = try AppConfig(from: DictionaryConfigSource([
            "WEBHOOK_URLS": "http://127.0.0.1:9/hook", "WEBHOOK_SECRET": "5e1c0b9a7f3d2e8c6a4b1d0f9e7c5a3b",
        ]))
        try await IngestHarness.run { client, env in
            var ids: [String] = []
            for (name, data) in photos {
                var form = Multipart(files: [.init(filename: name, contentType: "image/jpeg", data: data)])
                form.fields = [("reportId", "privacy"), ("public", "true")]
                try await client.upload(form) {
                    #expect($0.status == .ok, "\(name): \(String(buffer: $0.body))")
                    ids += $0.files.compactMap { $0["id"] as? String }
                }
            }
            let queue = JobQueue(client: env.client, logger: TestDatabase.logger)
            let registry = Runtime.makeHandlers(config, client: env.client, queue: queue, store: env.store, links: env.links,
                                                faces: .init(detection: detection, embedder: embedder), logger: TestDatabase.logger)
            // Webhook deliveries stay queued: their bodies are what is checked.
            @Sendable func runJobs() async throws { try await registry.runAll(on: queue, except: ["webhook"]) }
            try await runJobs()
            // Another anonymized copy, blurred, on top of the default one public uploads get.
            for id in ids {
                try await client.execute(uri: "/images/\(id)/process", method: .post, headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: #"{"replacewith":"blur","boxes":false}"#)) { #expect($0.status == .accepted) }
            }
            try await runJobs()

            // Everything derived: every stored file but the originals …
            var derived: [(String, Data)] = []
            for try await (kind, key) in try await env.client.query("SELECT kind, key FROM image_files ORDER BY key").decode((String, String).self)
            where kind != "original" {
                derived.append((key, try await env.bytes(key)))
            }
            #expect(derived.contains { $0.0.hasPrefix("faces/") } && derived.contains { $0.0.hasPrefix("processed/") })
            #expect(derived.contains { $0.0.hasPrefix("thumbnails/") })
            // … every answer about the images (as admin, who sees the most) …
            var answers: [String] = []
            for uri in ids.map({ "/images/\($0)" }) + ["/images?reportId=privacy", "/gallery", "/reports/privacy", "/reports/privacy/links",
                                                         "/duplicates"] {
                try await client.execute(uri: uri, method: .get) {
                    #expect($0.status == .ok, "\(uri)")
                    answers.append(String(buffer: $0.body))
                }
            }
            for (uri, body) in zip(["answers"], [answers.joined(separator: "\n")]) { derived.append((uri, Data(body.utf8))) }
            // … the timeline and the webhook bodies queued for the platform.
            for try await text in try await env.client.query("SELECT data::text FROM events").decode(String.self) {
                derived.append(("event", Data(text.utf8)))
            }
            var webhooks = 0
            for try await body in try await env.client.query("SELECT payload->>'body' FROM jobs WHERE kind = 'webhook'").decode(String.self) {
                derived.append(("webhook", Data(body.utf8)))
                webhooks += 1
            }
            #expect(webhooks >= photos.count * 2)  // image.processed and image.anonymized at least
            // The originals do carry what we look for (the sweep would prove nothing otherwise).
            let obamaOriginal = try await env.bytes(try #require(try await Self.originalKey(ids[0], env.client)))
            for needle in ["FacepipeCam", "Canon", "042033006980"] { #expect(obamaOriginal.range(of: Data(needle.utf8)) != nil) }

            var leaks: [String] = []
            for (name, bytes) in derived {
                for (label, needle) in needles where bytes.range(of: needle) != nil { leaks.append("\(label) in \(name)") }
            }
            #expect(leaks.isEmpty, "\(leaks)")
            print("privacy sweep: \(photos.count) photos, \(derived.count) derived files and texts checked for \(needles.count) markers, \(leaks.count) found")
        }
    }

    static func originalKey(_ id: String, _ client: DatabaseClient) async throws -> String? {
        for try await key in try await client.query("SELECT original_key FROM images WHERE id = \(UUID(uuidString: id)!)").decode(String.self) {
            return key
        }
        return nil
    }
}
