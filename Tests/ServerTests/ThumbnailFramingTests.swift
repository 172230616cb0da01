import FacepipeCore
import Foundation
import Imaging
import Persistence
import Pipeline
import Storage
import Testing
import TestSupport

/// Issue 24 item 7: square tiles were centre crops, and a portrait lost its head. They are cut
/// around the faces now.
@Suite struct ThumbnailFramingTests {
    @Test func aPortraitsTileKeepsTheFace() async throws {
        let (detection, embedder) = try FaceSearchTests.models()
        let photo = try FaceSearchTests.photo("biden.jpg")
        // The old framing (the middle of the picture) shows no face here: what the test guards.
        let decoded = try DecodedImage(photo, maxDimension: 1600)
        let centred = try ImageAnalysis.thumbnails(of: decoded, quality: 80, focus: .centre).first { $0.name == "medium" }!
        #expect(try detection.detector.detect(try DecodedImage(centred.image.data), threshold: 0.5).isEmpty)

        try await IngestHarness.run(faceModels: .init(detector: detection.detector, embedder: embedder)) { client, env in
            let id = try await PrivacyAttackTests.upload(client, "biden.jpg", report: nil)
            try await env.faceWorker(detection, embedder)()
            var keys: [String: String] = [:]
            for try await (name, key) in try await env.client.query(
                "SELECT key, value FROM images, jsonb_each_text(thumbnails) WHERE id = \(UUID(uuidString: id)!)").decode((String, String).self) {
                keys[name] = key
            }
            for size in ["thumb", "medium", "large"] {
                let tile = try DecodedImage(try await env.bytes(try #require(keys[size], "\(keys)")))
                #expect(tile.width == tile.height)
                #expect(try detection.detector.detect(tile, threshold: 0.5).count == 1, "\(size) tile has no face")
            }
        }
    }
}
