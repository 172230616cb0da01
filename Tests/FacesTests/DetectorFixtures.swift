import Foundation
import Imaging
import Testing

@testable import Faces

/// The real files the detector tests use, found from this file's location (the repository's
/// git-ignored .deps/, filled by scripts/fetch-models.sh and scripts/fetch-test-photos.sh).
/// Symlinks are resolved so the tests also run from a scratch package that links them.
enum DetectorFixtures {
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let libraryPath = root.appendingPathComponent(".deps/onnxruntime/lib/libonnxruntime.so.1.31.1").path
    static let modelPath = root.appendingPathComponent(".deps/models/centerface.onnx").path
    static let photos = root.appendingPathComponent(".deps/testdata/photos")

    /// One runtime for the whole test process (the library stays loaded anyway).
    static let runtime: Result<ONNXRuntime, any Error> = Result {
        for path in [libraryPath, modelPath] where !FileManager.default.fileExists(atPath: path) {
            throw DetectorFixtureError("\(path) is missing: run scripts/fetch-models.sh")
        }
        return try ONNXRuntime(libraryPath: libraryPath)
    }

    /// One detector shared by the tests (sessions are safe to share; that is tested too).
    static let detector: Result<CenterFaceDetector, any Error> = Result {
        try CenterFaceDetector(runtime: runtime.get(), modelPath: modelPath)
    }

    /// A test photo, decoded upright at full size (all of them are ≤ 2400 px).
    static func photo(_ name: String) throws -> DecodedImage {
        let path = photos.appendingPathComponent(name).path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DetectorFixtureError("test photo \(path) is missing: run scripts/fetch-test-photos.sh")
        }
        return try DecodedImage(data, maxDimension: 4096)
    }

    /// A test photo's pixels at full size (so the detector's own resampling is used).
    static func pixels(_ name: String) throws -> RGBPixels {
        let image = try photo(name)
        return try image.rgb(maxDimension: max(image.width, image.height))
    }
}

struct DetectorFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
