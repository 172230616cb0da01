import FacepipeCore
import Foundation
import Imaging
import Persistence
import Testing
import TestSupport

/// Near-duplicates of real photos (fetched by set-up from pinned PyPI archives).
@Suite struct RealPhotoDuplicateTests {
    static func photo(_ name: String) throws -> Data {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".deps/testdata/photos/\(name)")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TestSetupError("\(url.path) is missing: run `make setup` (scripts/fetch-test-photos.sh)")
        }
        return try Data(contentsOf: url)
    }

    @Test(arguments: ["obama.jpg", "astronaut.png", "coffee.png"])
    func editedCopiesAreFoundAndOtherPhotosAreNot(_ name: String) async throws {
        try await PipelineHarness.run { env in
            let original = try Self.photo(name)
            let decoded = try DecodedImage(original, maxDimension: 4000)
            let pixels = try decoded.rgb(maxDimension: 4000)
            let id = try await env.upload(original, filename: name)
            let q60 = try await env.upload(try decoded.encoded(as: .jpeg(quality: 60)).data, filename: "q60.jpg")
            let half = try await env.upload(
                try DecodedImage(original, maxDimension: max(decoded.width, decoded.height) / 2).encoded(as: .jpeg(quality: 85)).data,
                filename: "half.jpg")
            let bright = try await env.upload(
                try RGBPixels(width: pixels.width, height: pixels.height, pixels: pixels.pixels.map { UInt8(min(255, Int($0) + 15)) })
                    .encoded(as: .jpeg(quality: 90)).data, filename: "bright.jpg")
            // A re-poster's flip: every hash changes completely; the mirror image's hash finds it.
            let flipped = try await env.upload(try ImageTransform.mirror.apply(to: decoded).data, filename: "flipped.jpg")
            let others = [try await env.upload(try Self.photo("biden.jpg"), filename: "biden.jpg"),
                          try await env.upload(try Self.photo("chelsea.png"), filename: "chelsea.png")]
            try await env.processAll()

            let pairs = try await env.pairs(id)
            func pair(_ other: UUID) -> [DuplicatePair] { pairs.filter { $0.image1 == other || $0.image2 == other } }
            for (label, copy) in [("q60", q60), ("half size", half), ("brightened", bright)] {
                #expect(pair(copy).count == 1 && pair(copy).allSatisfy { !$0.mirrored }, "\(name) \(label): \(pair(copy))")
            }
            #expect(pair(flipped).count == 1 && pair(flipped).allSatisfy(\.mirrored), "\(name) mirrored: \(pair(flipped))")
            for other in others { #expect(pair(other).isEmpty, "\(name) linked to an unrelated photo: \(pair(other))") }
        }
    }
}
