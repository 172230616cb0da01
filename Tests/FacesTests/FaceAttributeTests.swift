import FacepipeCore
import Foundation
import Imaging
import Testing

@testable import Faces

/// Age and gender on the real photos with known people (CenterFace boxes, as the pipeline has
/// them). Estimates, not facts: the checks are wide on age and only on photos where the gender
/// is public and unambiguous.
@Suite struct FaceAttributeTests {
    static let estimator: Result<FaceAttributeEstimator, any Error> = Result {
        try FaceAttributeEstimator(runtime: DetectorFixtures.runtime.get(), modelDirectory: EmbedderFixture.modelDirectory,
                                   aligner: EmbedderFixture.embedder.get())
    }

    static func estimate(_ name: String) throws -> FaceAttributes {
        let pixels = try DetectorFixtures.pixels(name)
        let faces = try DetectorFixtures.detector.get().detect(pixels)
        let largest = try #require(faces.max { $0.box.width * $0.box.height < $1.box.width * $1.box.height })
        return try #require(try estimator.get().estimate(pixels, faces: [largest.box]).first)
    }

    @Test(arguments: [("obama.jpg", FaceAttributes.Gender.male), ("obama2.jpg", .male), ("obama3.jpg", .male),
                      ("biden.jpg", .male), ("astronaut.png", .female)])
    func knownPeople(name: String, gender: FaceAttributes.Gender) throws {
        let estimate = try Self.estimate(name)
        print("\(name): age \(String(format: "%.1f", estimate.age)), \(estimate.gender.rawValue) \(String(format: "%.2f", estimate.genderConfidence))")
        #expect(estimate.gender == gender)
        #expect((0.5...1).contains(estimate.genderConfidence))
        // Adults photographed in their 40s to 60s; the model's expectation over 0–80 years.
        #expect((25...75).contains(estimate.age), "\(name): \(estimate.age)")
    }

    @Test func chipsAreTheRequestedSizesAndBadBoxesAreRefused() throws {
        let pixels = try DetectorFixtures.pixels("obama.jpg")
        let embedder = try EmbedderFixture.embedder.get()
        let chips = try embedder.chips(pixels, face: FaceBox(x: 366, y: 136, width: 259, height: 259), sizes: [64, 32], padding: 0.2)
        #expect(chips.map(\.width) == [64, 32] && chips.map(\.pixels.count) == [64 * 64 * 3, 32 * 32 * 3])
        #expect(Set(chips[0].pixels).count > 50)  // a face, not a flat fill
        #expect(throws: EmbedderError.self) { try embedder.chips(pixels, face: FaceBox(x: 0, y: 0, width: 0, height: 5), sizes: [64], padding: 0.2) }
        #expect(throws: EmbedderError.self) { try embedder.chips(pixels, face: FaceBox(x: 0, y: 0, width: 9, height: 9), sizes: [4], padding: 0.2) }
    }
}
