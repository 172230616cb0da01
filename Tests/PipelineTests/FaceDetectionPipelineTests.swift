import FacepipeCore
import Foundation
import Imaging
import Faces
import Pipeline
import Queue
import Testing
import TestSupport

/// process_image with face detection on real photos.
@Suite struct FaceDetectionPipelineTests {
    @Test(arguments: [("t1.jpg", 6), ("obama.jpg", 1), ("astronaut.png", 1), ("coffee.png", 0), ("chelsea.png", 0)])
    func facesAreCountedStoredAndCropped(_ name: String, _ expected: Int) async throws {
        try await PipelineHarness.run(faces: true) { env in
            let data = try RealPhotoDuplicateTests.photo(name)
            let id = try await env.upload(data, filename: name)
            try await env.processAll()
            let image = try await env.image(id)
            #expect(image.status == .done)
            #expect(image.faceCount == expected)
            #expect(image.hasFaces == (expected > 0))
            var rows: [(Double, String?, String)] = []
            for try await row in try await env.client.query(
                "SELECT confidence::float8, crop_key, bbox::text FROM face_detections WHERE image_id = \(id) ORDER BY face_index"
            ).decode((Double, String?, String).self) {
                rows.append(row)
            }
            #expect(rows.count == expected)
            for (confidence, cropKey, bbox) in rows {
                #expect(confidence >= 0.5)
                let box = try JSONSerialization.jsonObject(with: Data(bbox.utf8)) as? [String: Double] ?? [:]
                let (x, y, w, h) = (box["x"] ?? -1, box["y"] ?? -1, box["width"] ?? 0, box["height"] ?? 0)
                #expect(x >= 0 && y >= 0 && w > 10 && h > 10)
                #expect(x + w <= Double(image.width ?? 0) + 1 && y + h <= Double(image.height ?? 0) + 1)
                let crop = try await env.bytes(try #require(cropKey))
                #expect(crop.starts(with: Array("RIFF".utf8)))
                #expect(!(cropKey ?? "").hasPrefix("thumbnails/"))
            }
        }
    }
}

@Suite struct BlurFacesPipelineTests {
    @Test func imagesFlaggedBlurFacesGetAnonymizedThumbnailsAndAVerifiedProcessedCopy() async throws {
        try await PipelineHarness.run(faces: true) { env in
            let id = try await env.upload(try RealPhotoDuplicateTests.photo("obama.jpg"), filename: "obama.jpg", blurFaces: true)
            try await env.processAll()
            try await env.anonymizeAll()
            let image = try await env.image(id)
            #expect(image.faceCount == 1)
            let detector = try #require(env.detection).detector
            for (name, key) in image.thumbnails where name != "thumb" {
                let thumbnail = try DecodedImage(try await env.bytes(key))
                #expect(try detector.detect(thumbnail, threshold: 0.5).isEmpty, "\(name) thumbnail still shows a face")
            }
            // The copy uses the service default (seed 002: solid boxes), in the original's format.
            var processedKey: String?
            for try await (key, status) in try await env.client.query(
                "SELECT media_key, status FROM processed_variants WHERE image_id = \(id)").decode((String?, String).self) {
                processedKey = key
                #expect(status == "done")
            }
            let key = try #require(processedKey)
            #expect(key.hasPrefix("processed/") && key.contains("-\(AnonymizeSettings.seed002.digest)-") && key.hasSuffix(".jpg"))
            let bytes = try await env.bytes(key)
            #expect(bytes.starts(with: [0xFF, 0xD8, 0xFF]))
            let processed = try DecodedImage(bytes, maxDimension: 4000)
            #expect(try detector.detect(processed, threshold: 0.5).isEmpty)
            var verified = false
            for try await value in try await env.client.query(
                "SELECT (data->>'verified')::bool FROM events WHERE image_id = \(id) AND type = 'image.anonymized'").decode(Bool.self) {
                verified = value
            }
            #expect(verified)
        }
    }
}
