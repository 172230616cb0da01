import FacepipeCore
import Foundation
import Testing

/// The whole-picture view follows the thumbnails' rule (issue 24 review): below gold, any blurred
/// view wins — even when no detection reached FACE_MIN_CONFIDENCE (`hasFaces` false), a weak
/// one was blurred and must stay blurred.
@Suite struct VisibleViewTests {
    static func image(hasFaces: Bool?, _ files: [String: String]) -> ImageRecord {
        ImageRecord(id: UUID(), reportID: nil, pipeline: "default", sha256: "ab", mime: "image/jpeg", bytes: 1, width: 10, height: 10,
                    originalKey: "originals/x.jpg", thumbnails: files, safeMetadata: "{}", hasFaces: hasFaces, faceCount: nil,
                    blurFaces: false, status: .done, error: nil, createdAt: Date(), processedAt: Date())
    }

    @Test func belowGoldTheBlurredViewWinsWheneverThereIsOne() {
        let both = ["view": "v", "blurred_view": "b"]
        for hasFaces in [true, false] {
            #expect(Self.image(hasFaces: hasFaces, both).visibleView(showingFaces: false) == "b", "hasFaces \(hasFaces)")
            #expect(Self.image(hasFaces: hasFaces, both).visibleView(showingFaces: true) == "v")
        }
        // Nothing detected at all: the view as made. Faces but no blurred view, or never checked: none.
        #expect(Self.image(hasFaces: false, ["view": "v"]).visibleView(showingFaces: false) == "v")
        #expect(Self.image(hasFaces: true, ["view": "v"]).visibleView(showingFaces: false) == nil)
        #expect(Self.image(hasFaces: nil, both).visibleView(showingFaces: false) == nil)
    }
}
