import FacepipeCore
import Foundation
import Imaging
import Persistence
import Pipeline
import Queue
import Testing
import TestSupport

@Suite struct ProcessImageTests {
    @Test func thumbnailsAreUprightStrippedWebPAndTheImageIsDone() async throws {
        try await PipelineHarness.run { env in
            // Stored 400×200, left red / right blue, with EXIF orientation 6 (display rotated 90° clockwise)
            // and a GPS block: upright it is 200×400, red on top.
            var pixels = [UInt8](repeating: 0, count: 400 * 200 * 3)
            for y in 0..<200 {
                for x in 0..<400 { pixels.replaceSubrange((y * 400 + x) * 3..<(y * 400 + x) * 3 + 3, with: x < 200 ? [220, 20, 20] : [20, 20, 220]) }
            }
            let plain = try RGBPixels(width: 400, height: 200, pixels: pixels).encoded(as: .jpeg(quality: 90)).data
            let jpeg = Data(ExifBlob(orientation: 6).inserted(into: Array(plain)))
            let id = try await env.upload(jpeg, filename: "phone.jpg")
            try await env.processAll()

            let image = try await env.image(id)
            #expect(image.status == .done)
            #expect(image.width == 200 && image.height == 400)
            #expect(Set(image.thumbnails.keys) == ["thumb", "medium", "large", "view"])
            let metadata = try JSONSerialization.jsonObject(with: Data(image.safeMetadata.utf8)) as? [String: Any] ?? [:]
            #expect(Set(metadata.keys) == ["width", "height", "format", "colourSpace", "hasAlpha", "orientation"])
            #expect(!image.safeMetadata.contains("FacepipeCam"))
            for (name, key) in image.thumbnails {
                let data = try await env.bytes(key)
                if name == "view" {
                    #expect(data.starts(with: [0xFF, 0xD8, 0xFF]), "the view is not JPEG")
                } else {
                    #expect(data.starts(with: Array("RIFF".utf8)) && data[8..<12].elementsEqual("WEBP".utf8), "\(name) is not WebP")
                }
                for marker in ["Exif", "EXIF", "XMP ", "ICCP", "FacepipeCam", "Model-X9"] {
                    #expect(!data.contains(Data(marker.utf8)), "\(name) carries \(marker)")
                }
                #expect(!data.contains(Data(ExifBlob.latitudeSecondsBytes)), "\(name) carries GPS")
                let decoded = try DecodedImage(data).rgb(maxDimension: 1000)
                // Square thumbnails; the view is the whole (upright) picture.
                #expect(name == "view" ? decoded.width * 2 == decoded.height : decoded.width == decoded.height, "\(name)")
                let top = decoded[decoded.width / 2, 2], bottom = decoded[decoded.width / 2, decoded.height - 3]
                #expect(top.red > 150 && top.blue < 100, "\(name): top is \(top)")
                #expect(bottom.blue > 150 && bottom.red < 100, "\(name): bottom is \(bottom)")
            }
            let thumb = try DecodedImage(try await env.bytes(image.thumbnails["thumb"]!))
            #expect(thumb.width == 150 && thumb.height == 150)
            var types: [String] = []
            for try await type in try await env.client.query("SELECT type FROM events WHERE image_id = \(id) ORDER BY id").decode(String.self) {
                types.append(type)
            }
            #expect(["image.uploaded", "job.queued", "job.started", "image.processed", "job.done"].allSatisfy(types.contains))
        }
    }

    @Test func nearDuplicatesAreLinkedAndDifferentPhotosAreNot() async throws {
        try await PipelineHarness.run { env in
            let photo = SyntheticPhoto.make(seed: 7)
            let original = try await env.upload(try photo.encoded(as: .jpeg(quality: 92)).data, filename: "original.jpg")
            let recompressed = try await env.upload(try photo.encoded(as: .jpeg(quality: 60)).data, filename: "q60.jpg")
            let halfSize = try DecodedImage(try photo.encoded(as: .png).data, maxDimension: 320).encoded(as: .jpeg(quality: 85)).data
            let resized = try await env.upload(halfSize, filename: "half.jpg")
            let brighter = try await env.upload(
                try SyntheticPhoto.brightened(photo, by: 20).encoded(as: .jpeg(quality: 90)).data, filename: "bright.jpg")
            let other = try await env.upload(try SyntheticPhoto.make(seed: 99).encoded(as: .jpeg(quality: 92)).data, filename: "other.jpg")
            try await env.processAll()

            let pairs = try await env.pairs(original)
            func pair(_ id: UUID) -> [DuplicatePair] { pairs.filter { $0.image1 == id || $0.image2 == id } }
            // One pair per image pair, with every hash's distance, inside the rule.
            let rule = DuplicateRule()
            for copy in [recompressed, resized, brighter] {
                let found = pair(copy)
                #expect(found.count == 1, "\(found)")
                #expect(found.allSatisfy { $0.distances.pdq <= rule.pdq && $0.distances.phash <= rule.phash && $0.confidence >= 0.5 })
            }
            #expect(pair(other).isEmpty, "different photos were linked: \(pair(other))")
            #expect(try await env.pairs(other).isEmpty)
            #expect(pairs.allSatisfy { $0.status == .pending })
        }
    }

    /// The lease reaper may give up a job whose worker was only slow and then stored the result:
    /// the late failure must not undo a finished image or copy.
    @Test func aFinalFailureArrivingAfterTheResultChangesNothing() async throws {
        try await PipelineHarness.run(faces: true) { env in
            let id = try await env.upload(try SyntheticPhoto.make(seed: 4).encoded(as: .jpeg()).data, filename: "slow.jpg")
            try await env.processAll()
            let late = ClaimedJob(id: 999_999, kind: .processImage, payload: "{}", imageID: id, attempt: 5, maxAttempts: 5, correlationID: nil)
            try await env.handler.failedForGood(late, error: JobQueue.leaseExpiredError,
                                                context: JobContext(logger: TestDatabase.logger, workerID: "reaper"))
            #expect(try await env.image(id).status == .done)
            let timeline = try await TimelineRepository(client: env.client, logger: TestDatabase.logger).entries(for: id)
            #expect(timeline.contains { $0.type == .processed } && !timeline.contains { $0.type == .failed })

            // A copy: one queued by a version whose payload named no variant is found by its job;
            // failed while it is being made, left alone once it is done.
            let variants = VariantRepository(client: env.client, logger: TestDatabase.logger)
            let request = try await env.client.withTransaction(logger: TestDatabase.logger) {
                try await variants.request(id, .seed002, requestedBy: nil, on: $0)
            }
            try await variants.markProcessing(request.variantID, jobID: 424_242)
            let anonymize = AnonymizeHandler(client: env.client, store: env.store, faces: try #require(env.detection), logger: TestDatabase.logger)
            let legacy = ClaimedJob(id: 424_242, kind: .anonymize, payload: "{}", imageID: id, attempt: 3, maxAttempts: 3, correlationID: nil)
            try await anonymize.failedForGood(legacy, error: "gave up", context: JobContext(logger: TestDatabase.logger, workerID: "t"))
            #expect(try await variants.find(request.variantID)?.status == .failed)
            try await env.client.query("UPDATE processed_variants SET status = 'done' WHERE id = \(request.variantID)")
            try await anonymize.failedForGood(legacy, error: "late", context: JobContext(logger: TestDatabase.logger, workerID: "t"))
            #expect(try await variants.find(request.variantID)?.status == .done)
        }
    }

    @Test func aMissingOriginalFailsTheImagePermanently() async throws {
        try await PipelineHarness.run { env in
            let id = try await env.upload(try SyntheticPhoto.make(seed: 3).encoded(as: .jpeg()).data, filename: "gone.jpg")
            let image = try await env.image(id)
            try await env.store.delete(try MediaKeyFor.key(image.originalKey))
            await #expect(throws: (any Error).self) { try await env.processAll() }
            let failed = try await env.image(id)
            #expect(failed.status == .failed)
            #expect(failed.error?.contains("missing") == true)
        }
    }
}

import Storage
enum MediaKeyFor {
    static func key(_ raw: String) throws -> MediaKey { try MediaKey(raw) }
}
