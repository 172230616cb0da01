import FacepipeCore
import Foundation
import Imaging
import Testing

@testable import Faces

@Suite struct EmbedderErrorTests {
    @Test func missingModelIsAClearError() throws {
        let directory = "/nonexistent/facepipe-models"
        #expect {
            try DlibFaceEmbedder(modelDirectory: directory)
        } throws: { error in
            guard case EmbedderError.modelNotFound(let path) = error else { return false }
            return path.hasPrefix(directory) && "\(error)".contains("scripts/fetch-dlib-models.sh")
        }
    }

    @Test func unusableModelFileIsReportedNotCrashed() throws {
        // dlib throws a C++ serialization_error for this file; CDlib must turn it into a message.
        let bogus = FileManager.default.temporaryDirectory
            .appendingPathComponent("facepipe-bogus-\(UUID().uuidString).dat")
        try Data("not a dlib model".utf8).write(to: bogus)
        defer { try? FileManager.default.removeItem(at: bogus) }
        let predictor = EmbedderFixture.root
            .appendingPathComponent(".deps/models/\(DlibFaceEmbedder.shapePredictorFile)").path
        #expect {
            try DlibFaceEmbedder(shapePredictorPath: predictor, resnetPath: bogus.path)
        } throws: { error in
            guard case EmbedderError.modelUnusable(let reason) = error else { return false }
            return reason.contains(bogus.path)
        }
    }

    @Test func badPixelsAndBoxesAreRejected() throws {
        let embedder = try EmbedderFixture.embedder.get()
        let short = RGBPixels(width: 10, height: 10, pixels: [UInt8](repeating: 0, count: 299))
        #expect(throws: EmbedderError.self) {
            try embedder.embed(short, faces: [FaceBox(x: 0, y: 0, width: 5, height: 5)])
        }
        let gray = RGBPixels(width: 64, height: 64, pixels: [UInt8](repeating: 128, count: 64 * 64 * 3))
        for box in [FaceBox(x: 0, y: 0, width: 0, height: 10), FaceBox(x: .nan, y: 0, width: 10, height: 10)] {
            #expect {
                try embedder.embed(gray, faces: [box])
            } throws: { error in
                guard case EmbedderError.invalidArgument = error else { return false }
                return true
            }
        }
        // A face-less image still embeds (the caller's detector decides what is a face).
        let vectors = try embedder.embed(gray, faces: [FaceBox(x: 8, y: 8, width: 48, height: 48)])
        #expect(vectors.count == 1 && vectors[0].count == 128)
    }

    @Test func hogFindsNoFaceInAFlatImage() throws {
        let gray = RGBPixels(width: 200, height: 150, pixels: [UInt8](repeating: 90, count: 200 * 150 * 3))
        #expect(try DlibHOGDetector.detect(gray).isEmpty)
    }
}
