import Faces
import FacepipeCore
import Foundation
import Testing
import TestSupport

@testable import Pipeline

/// The embed job embeds from the stored 224 px face crop, not from the original: on real photos
/// the vector must stay the one the original gives (far closer than two photos of one person).
@Suite struct CropEmbeddingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let models: (ImageAnalysis.FaceDetector, DlibFaceEmbedder)? = {
        guard let detector = try? CenterFaceDetector(
            runtime: try ONNXRuntime(libraryPath: root.appendingPathComponent(ONNXRuntime.defaultLibraryPath).path),
            modelPath: root.appendingPathComponent(CenterFaceDetector.defaultModelPath).path),
            let embedder = try? DlibFaceEmbedder(modelDirectory: root.appendingPathComponent(".deps/models").path)
        else { return nil }
        return (ImageAnalysis.FaceDetector(detector: detector, minConfidence: 0.5), embedder)
    }()

    @Test(arguments: ["obama.jpg", "biden.jpg", "t1.jpg", "astronaut.png"])
    func embeddingFromTheCropMatchesTheOriginal(_ name: String) throws {
        let (detection, embedder) = try #require(Self.models, "models missing: run `make setup`")
        let data = try RealPhotoDuplicateTests.photo(name)
        let faces = try #require(try ImageAnalysis.run(data, faces: detection).faces)
        #expect(!faces.isEmpty)
        let boxes = faces.map(\.face.box)
        let fromOriginal = try FaceEmbedding.embed(data, faces: boxes, embedder: embedder)
        for (face, original) in zip(faces, fromOriginal) {
            let box = try #require(face.face.faceInCrop)
            // The face lies inside its crop, with the 20% margin on the sides the image allowed.
            #expect(box.x >= -1 && box.y >= -1 && box.width > 8)
            #expect(box.maxX <= Float(face.crop.width) + 1 && box.maxY <= Float(face.crop.height) + 1)
            let fromCrop = try FaceEmbedding.embed(crop: face.crop.data, faceInCrop: box, embedder: embedder)
            let similarity = zip(fromCrop, original).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            print("\(name) face \(face.face.index): crop vs original similarity \(similarity)")
            #expect(similarity >= 0.98, "\(name) face \(face.face.index): \(similarity)")
        }
    }

    /// A search query's embedding (`FaceEmbedding.query`: one decode at the detection size, a
    /// second only when the face is smaller there than in dlib's chip) is a strong match for the
    /// one the embed job stores from the same photo's crop, on either path. At 320 px the faces
    /// are below the chip's 100 px, which takes the second decode.
    @Test(arguments: [("obama.jpg", 640), ("biden.jpg", 640), ("astronaut.png", 640), ("obama.jpg", 320), ("biden.jpg", 320)])
    func queryEmbeddingIsAStrongMatchForTheStoredOne(_ name: String, detectionSize: Int) throws {
        let (detection, embedder) = try #require(Self.models, "models missing: run `make setup`")
        let detector = try CenterFaceDetector(
            runtime: try ONNXRuntime(libraryPath: Self.root.appendingPathComponent(ONNXRuntime.defaultLibraryPath).path),
            modelPath: Self.root.appendingPathComponent(CenterFaceDetector.defaultModelPath).path,
            configuration: .init(detectionSize: detectionSize))
        let data = try RealPhotoDuplicateTests.photo(name)
        let query = try FaceEmbedding.query(data, detector: detector, embedder: embedder)
        let found = try #require(query.faces.first)
        #expect(query.faces.count == 1)
        #expect((Double(max(found.box.width, found.box.height)) < DlibFaceEmbedder.faceSideInChip) == (detectionSize == 320))
        let vector = try #require(query.embedding)
        let face = try #require(try ImageAnalysis.run(data, faces: detection).faceCrops.first)
        let stored = try FaceEmbedding.embed(crop: face.1.data, faceInCrop: try #require(face.0.faceInCrop), embedder: embedder)
        let similarity = Double(zip(vector, stored).reduce(Float(0)) { $0 + $1.0 * $1.1 })
        print("\(name) at \(detectionSize) px: query vs stored similarity \(similarity)")
        #expect(similarity >= FaceMatchThresholds.defaultStrong, "\(name) at \(detectionSize) px: \(similarity)")
    }

    @Test func aQueryWithSeveralFacesGetsNoEmbedding() throws {
        let (detection, embedder) = try #require(Self.models, "models missing: run `make setup`")
        let query = try FaceEmbedding.query(try RealPhotoDuplicateTests.photo("t1.jpg"), detector: detection.detector, embedder: embedder)
        #expect(query.faces.count == 6)
        #expect(query.embedding == nil)
    }
}
