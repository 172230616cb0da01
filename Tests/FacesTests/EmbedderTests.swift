import FacepipeCore
import Foundation
import Imaging
import Testing

@testable import Faces

/// The real photos and models (fetched by scripts/setup.sh) and one embedder for all tests.
/// Face boxes come from dlib's own HOG detector (through CDlib), not from CenterFace, so these
/// tests check the embedder alone. Measured HOG boxes, for reference: obama.jpg 366,136 259×259;
/// obama2.jpg 164,302 311×310; obama3.jpg 646,302 310×310; biden.jpg 439,233 311×310.
enum EmbedderFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let modelDirectory = root.appendingPathComponent(".deps/models").path

    static let embedder: Result<DlibFaceEmbedder, any Error> = Result {
        try DlibFaceEmbedder(modelDirectory: modelDirectory)
    }

    /// name → (pixels, the one face HOG finds), decoded and detected once per test process.
    static let faces: Result<[String: (RGBPixels, FaceBox)], any Error> = Result {
        var result: [String: (RGBPixels, FaceBox)] = [:]
        for name in ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"] {
            let url = root.appendingPathComponent(".deps/testdata/photos/\(name)")
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw EmbedderError.invalidArgument("test photo \(url.path) missing: run scripts/fetch-test-photos.sh")
            }
            let image = try DecodedImage(data, maxDimension: 4096)
            let pixels = try image.rgb(maxDimension: max(image.width, image.height))
            let boxes = try DlibHOGDetector.detect(pixels)
            guard boxes.count == 1 else {
                throw EmbedderError.invalidArgument("HOG found \(boxes.count) faces in \(name), expected 1")
            }
            result[name] = (pixels, boxes[0])
        }
        return result
    }

    static func face(_ name: String) throws -> (RGBPixels, FaceBox) {
        try #require(faces.get()[name])
    }

    /// Normalised vector (what `embed` returns) and raw dlib descriptor of one photo's face.
    static func vectors(_ name: String) throws -> (unit: [Float], raw: [Float]) {
        let (pixels, box) = try face(name)
        let embedder = try embedder.get()
        let unit = try embedder.embed(pixels, faces: [box])
        let raw = try embedder.descriptors(pixels, faces: [box])
        try #require(unit.count == 1 && raw.count == 1)
        return (unit[0], raw[0].descriptor)
    }
}

@Suite struct EmbedderTests {
    static let photos = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"]

    @Test(arguments: photos)
    func vectorsAre128dAndUnitLength(_ name: String) throws {
        let (unit, raw) = try EmbedderFixture.vectors(name)
        #expect(try EmbedderFixture.embedder.get().dimension == 128)
        #expect(unit.count == 128 && raw.count == 128)
        #expect(unit.allSatisfy { $0.isFinite })
        let norm = unit.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) < 1e-4)
        // dlib's raw vectors are not unit length (about 1.4): embed must have normalised them.
        let rawNorm = raw.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        #expect(rawNorm > 1.1 && rawNorm < 1.7)
    }

    @Test(arguments: [("obama.jpg", "obama2.jpg"), ("obama.jpg", "obama3.jpg"), ("obama2.jpg", "obama3.jpg")])
    func samePersonIsClose(_ a: String, _ b: String) throws {
        let (unitA, rawA) = try EmbedderFixture.vectors(a)
        let (unitB, rawB) = try EmbedderFixture.vectors(b)
        // Measured raw 0.33–0.43 (dlib's rule: < 0.6), normalised 0.24–0.32.
        #expect(EmbedderMath.distance(rawA, rawB) < DlibFaceEmbedder.rawSameFaceDistance - 0.1)
        #expect(EmbedderMath.distance(unitA, unitB) < DlibFaceEmbedder.sameFaceDistance - 0.05)
    }

    @Test(arguments: ["obama.jpg", "obama2.jpg", "obama3.jpg"])
    func differentPeopleAreFar(_ obama: String) throws {
        let (unitA, rawA) = try EmbedderFixture.vectors(obama)
        let (unitB, rawB) = try EmbedderFixture.vectors("biden.jpg")
        // Measured raw 0.81–0.87, normalised 0.59–0.63.
        #expect(EmbedderMath.distance(rawA, rawB) > DlibFaceEmbedder.rawSameFaceDistance + 0.1)
        #expect(EmbedderMath.distance(unitA, unitB) > DlibFaceEmbedder.sameFaceDistance + 0.1)
    }

    @Test func sameInputGivesTheSameVector() throws {
        let (pixels, box) = try EmbedderFixture.face("obama.jpg")
        let embedder = try EmbedderFixture.embedder.get()
        let first = try embedder.embed(pixels, faces: [box])
        let second = try embedder.embed(pixels, faces: [box])
        #expect(first == second)
    }

    @Test func batchMatchesSingleCalls() throws {
        let (pixels, box) = try EmbedderFixture.face("obama.jpg")
        let embedder = try EmbedderFixture.embedder.get()
        let shifted = FaceBox(x: box.x + 8, y: box.y + 4, width: box.width, height: box.height)
        let batch = try embedder.embed(pixels, faces: [box, shifted])
        let single = try [box, shifted].map { try embedder.embed(pixels, faces: [$0])[0] }
        #expect(batch.count == 2)
        for (b, s) in zip(batch, single) {
            #expect(EmbedderMath.distance(b, s) < 1e-4)
        }
        // A slightly shifted box is re-aligned by the landmarks: still clearly the same face.
        #expect(EmbedderMath.distance(batch[0], batch[1]) < 0.15)
        #expect(try embedder.embed(pixels, faces: []).isEmpty)
    }

    @Test func landmarksLieOnTheFace() throws {
        let (pixels, box) = try EmbedderFixture.face("obama.jpg")
        let face = try #require(try EmbedderFixture.embedder.get().descriptors(pixels, faces: [box]).first)
        #expect(face.landmarks.count == 5)
        for point in face.landmarks { #expect(box.contains(point)) }
        // dlib's order: the eye on the image's right (outer, inner corner), the other eye
        // (outer, inner), nose base below the eyes.
        let p = face.landmarks
        #expect(p[0].x > p[1].x && p[1].x > p[3].x && p[3].x > p[2].x)
        #expect(p[4].y > max(p[0].y, p[2].y))
    }

    @Test func concurrentCallsAgree() async throws {
        let (pixels, box) = try EmbedderFixture.face("obama2.jpg")
        let embedder = try EmbedderFixture.embedder.get()
        let expected = try embedder.embed(pixels, faces: [box])
        try await withThrowingTaskGroup(of: [[Float]].self) { group in
            for _ in 0..<4 {
                group.addTask { try embedder.embed(pixels, faces: [box]) }
            }
            for try await vectors in group {
                #expect(vectors == expected)
            }
        }
    }
}
