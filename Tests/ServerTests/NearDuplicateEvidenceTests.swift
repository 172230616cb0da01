import Faces
import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Imaging
import NIOCore
import Persistence
import Pipeline
import Queue
import Testing
import TestSupport

/// A near-duplicate report link is evidence (issue 23): low-detail pictures that share nothing —
/// small crops of different people's faces, a flat sky, a dark photo, a low-contrast photo —
/// are not linked, and re-posted copies (re-encoded, cropped, mirrored, padded) still are.
@Suite struct NearDuplicateEvidenceTests {
    /// Each image in a report of its own, processed as a worker would.
    struct Upload {
        var report: String
        var bytes: Data
    }

    static func process(_ uploads: [Upload], client: AuthorizedClient, env: IngestHarness) async throws -> [String: String] {
        var ids: [String: String] = [:]
        for upload in uploads {
            var form = Multipart(files: [.init(filename: "\(upload.report).png", contentType: "image/png", data: upload.bytes)])
            form.fields = [("reportId", upload.report)]
            try await client.upload(form) { response in
                #expect(response.status == .ok, "\(upload.report)")
                ids[upload.report] = response.files.first?["id"] as? String
            }
        }
        let queue = JobQueue(client: env.client, logger: TestDatabase.logger)
        var handlers = JobHandlerRegistry()
        handlers.register(.processImage, ProcessImageHandler(client: env.client, store: env.store, index: DuplicateIndex(),
                                                             config: ProcessingConfig(), logger: TestDatabase.logger))
        try await handlers.runAll(on: queue)
        return ids
    }

    /// Reports connected to `report` by near-duplicates, per `GET /reports/{id}/links`.
    static func nearDuplicateLinks(of report: String, _ client: AuthorizedClient) async throws -> [String: [[String: Any]]] {
        var links: [String: [[String: Any]]] = [:]
        try await client.execute(uri: "/reports/\(report)/links?limit=100", method: .get) { response in
            #expect(response.status == .ok)
            for item in response.json["items"] as? [[String: Any]] ?? [] {
                let evidence = item["nearDuplicates"] as? [[String: Any]] ?? []
                if !evidence.isEmpty { links[item["reportId"] as? String ?? "?"] = evidence }
            }
        }
        return links
    }

    /// Small crops (100–250 px) of every face the detector finds in the test photos.
    static func faceCrops() throws -> [Data] {
        let (detection, _) = try FaceSearchTests.models()
        var crops: [Data] = []
        for name in ["t1.jpg", "obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "chelsea.png", "astronaut.png", "Tom_Hanks_54745.png"] {
            let photo = try DecodedImage(try FaceSearchTests.photo(name), maxDimension: 2000)
            for (number, face) in try detection.detector.detect(photo).enumerated() where face.score >= 0.5 {
                let side = Int(max(face.box.width, face.box.height) * 1.3)
                let x = Int(face.box.x + face.box.width / 2) - side / 2, y = Int(face.box.y + face.box.height / 2) - side / 2
                let size = [100, 160, 250][(crops.count + number) % 3]
                crops.append(try photo.region(x: x, y: y, width: side, height: side, .inside(width: size, height: size), as: .png).data)
            }
        }
        return crops
    }

    @Test func lowDetailUnrelatedImagesDoNotLinkAndCopiesDo() async throws {
        try await IngestHarness.run { client, env in
            var uploads: [Upload] = try Self.faceCrops().enumerated().map { Upload(report: "face-\($0.offset)", bytes: $0.element) }
            #expect(uploads.count >= 8, "the test photos should give at least 8 face crops")
            // A flat sky: a soft vertical gradient with a little sensor noise.
            var sky = RGBPixels(width: 640, height: 400, pixels: [])
            var noise = SplitMix64(seed: 23)
            for y in 0..<400 {
                for _ in 0..<640 {
                    let jitter = Int(noise.next() % 5) - 2
                    sky.pixels += [UInt8(clamping: 90 + y / 8 + jitter), UInt8(clamping: 150 + y / 10 + jitter), UInt8(clamping: 230 + jitter)]
                }
            }
            uploads.append(Upload(report: "sky", bytes: try sky.encoded(as: .png).data))
            // A dark photo and a low-contrast one: real photos, nearly black and nearly grey.
            for (report, name, scale, offset) in [("dark", "rocket.jpg", 0.12, 0.0), ("hubble", "hubble_deep_field.jpg", 0.3, 0.0),
                                                  ("washed", "chelsea.png", 0.15, 150.0)] {
                let pixels = try DecodedImage(try FaceSearchTests.photo(name), maxDimension: 800).rgb(maxDimension: 800)
                let changed = RGBPixels(width: pixels.width, height: pixels.height,
                                        pixels: pixels.pixels.map { UInt8(clamping: Int(Double($0) * scale + offset)) })
                uploads.append(Upload(report: report, bytes: try changed.encoded(as: .png).data))
            }
            // Photos and their re-posted copies, each in a report of its own.
            let copies: [(String, ImageTransform)] = [("coffee.png", .reencode(quality: 70)), ("obama.jpg", .crop(0.05)),
                                                      ("astronaut.png", .mirror), ("rocket.jpg", .border(0.15)),
                                                      ("obama2.jpg", .crop(0.1)), ("t1.jpg", .watermark("@scam_profile_2026 • reposted"))]
            for (number, (name, transform)) in copies.enumerated() {
                let original = try FaceSearchTests.photo(name)
                uploads.append(Upload(report: "photo-\(number)", bytes: original))
                uploads.append(Upload(report: "copy-\(number)", bytes: try transform.apply(to: try DecodedImage(original, maxDimension: 4000)).data))
            }
            let ids = try await Self.process(uploads, client: client, env: env)
            #expect(ids.count == uploads.count)

            // Each copy links to its photo, and to nothing else.
            for number in copies.indices {
                let links = try await Self.nearDuplicateLinks(of: "copy-\(number)", client)
                #expect(Array(links.keys) == ["photo-\(number)"], "\(copies[number].1): \(links.keys.sorted())")
                let evidence = links["photo-\(number)"]?.first
                #expect(evidence?["otherImageId"] as? String == ids["photo-\(number)"])
                #expect((evidence?["confidence"] as? Double ?? 0) >= 0.5)
                let distances = evidence?["distances"] as? [String: Any]
                #expect(Set(distances?.keys.map { $0 } ?? []) == ["ahash", "dhash", "phash", "pdq"])
                // The pair says which hashes agreed: the copies' own, the mirror image's, the
                // picture inside the border, the photo's centre, the parts above the caption.
                try await client.execute(uri: "/images/\(ids["copy-\(number)"]!)/duplicates", method: .get) { response in
                    let pairs = response.json["items"] as? [[String: Any]] ?? []
                    #expect(pairs.count == 1)
                    let expected: [Set<String>] = [["own"], ["own", "content", "cropped"], ["mirrored"], ["content"], ["cropped"],
                                                   ["own", "captioned"]]
                    #expect(expected[number].contains(pairs.first?["matchedBy"] as? String ?? "?"), "\(copies[number].1): \(pairs)")
                }
            }
            // Nothing else links: one pair per copy, no near-duplicate connection for the rest.
            #expect(try await env.scalar("SELECT count(*) FROM image_duplicates") == copies.count)
            for upload in uploads where !upload.report.hasPrefix("copy-") && !upload.report.hasPrefix("photo-") {
                let links = try await Self.nearDuplicateLinks(of: upload.report, client)
                #expect(links.isEmpty, "\(upload.report) linked to \(links.keys.sorted())")
            }
        }
    }

    /// The relink job (queued by migration 16 on upgrade) judges every image again by today's
    /// rule: a pair an older rule made between unrelated pictures goes with its report
    /// connection, a true copy is linked again, and a person's decision stays.
    @Test func relinkDropsOldFalsePairsAndRestoresTrueOnes() async throws {
        try await IngestHarness.run { client, env in
            let coffee = try FaceSearchTests.photo("coffee.png")
            let copy = try ImageTransform.reencode(quality: 70).apply(to: try DecodedImage(coffee, maxDimension: 4000)).data
            let crops = try Self.faceCrops()
            let uploads = [Upload(report: "photo", bytes: coffee), Upload(report: "copy", bytes: copy),
                           Upload(report: "face-a", bytes: crops[0]), Upload(report: "face-b", bytes: crops[1]),
                           Upload(report: "face-c", bytes: crops[2])]
            let ids = try await Self.process(uploads, client: client, env: env).mapValues { UUID(uuidString: $0)! }
            #expect(try await env.scalar("SELECT count(*) FROM image_duplicates") == 1)
            // What an older rule left: the true pair lost, two face crops linked (with their
            // reports), and two others a person confirmed as the same picture.
            try await env.client.query("DELETE FROM image_duplicates")
            for (first, second, status) in [(ids["face-a"]!, ids["face-b"]!, "pending"), (ids["face-a"]!, ids["face-c"]!, "confirmed")] {
                let (one, two) = first.uuidString.lowercased() < second.uuidString.lowercased() ? (first, second) : (second, first)
                try await env.client.query(
                    """
                    INSERT INTO image_duplicates (image1_id, image2_id, ahash_distance, dhash_distance, phash_distance, pdq_distance,
                                                  similarity, confidence, status)
                    VALUES (\(one), \(two), 8, 9, 30, 120, 0.5, 0, \(status))
                    """)
            }
            try await env.client.query(
                "INSERT INTO report_links (report1, report2, kind, strength) VALUES ('face-a', 'face-b', 'near_duplicate', 0.5)")
            // Images stored before regions were hashed (migration 18 queues the relink for them).
            try await env.client.query("UPDATE images SET region_hashes = NULL")

            let queue = JobQueue(client: env.client, logger: TestDatabase.logger)
            _ = try await queue.enqueue(NewJob(kind: .relinkDuplicates, dedupeKey: "relink_duplicates"))
            var handlers = JobHandlerRegistry()
            handlers.register(.relinkDuplicates, RelinkDuplicatesHandler(client: env.client, store: env.store, rule: DuplicateRule(),
                                                                         batchSize: 2, logger: TestDatabase.logger))
            try await handlers.runAll(on: queue)

            // Five images in batches of two: three runs.
            #expect(try await env.scalar("SELECT count(*) FROM jobs WHERE kind = 'relink_duplicates' AND status = 'done'") == 3)
            #expect(try await env.scalar("SELECT count(*) FROM image_duplicates WHERE status = 'pending'") == 1)
            #expect(try await Self.nearDuplicateLinks(of: "copy", client).keys.sorted() == ["photo"])
            #expect(try await Self.nearDuplicateLinks(of: "face-b", client).isEmpty)
            #expect(try await env.scalar("SELECT count(*) FROM report_links WHERE kind = 'near_duplicate' AND 'face-b' IN (report1, report2)") == 0)
            #expect(try await env.scalar("SELECT count(*) FROM image_duplicates WHERE status = 'confirmed'") == 1)
            #expect(try await Self.nearDuplicateLinks(of: "face-c", client).keys.sorted() == ["face-a"])
            // Every image has its centre and upper part hashed again from its original.
            #expect(try await env.scalar("SELECT count(*) FROM images WHERE region_hashes ? 'centre' AND region_hashes ? 'upper'") == 5)
        }
    }
}
