import FacepipeCore
import Foundation
import Imaging
import Testing

@testable import Faces

/// CenterFace on real photos, through the production path (DecodedImage → libvips shrink to
/// 640 → detector) and through the detector's own resampling of full-size pixels.
@Suite struct CenterFaceDetectionTests {
    /// Face counts stated by the photos' packages (see .deps/testdata/photos/SOURCES.md).
    static let expected: [(String, Int)] = [
        ("t1.jpg", 6), ("obama.jpg", 1), ("obama2.jpg", 1), ("obama3.jpg", 1), ("biden.jpg", 1),
        ("astronaut.png", 1), ("Tom_Hanks_54745.png", 1),
        ("chelsea.png", 0), ("coffee.png", 0), ("rocket.jpg", 0), ("hubble_deep_field.jpg", 0),
    ]

    @Test(arguments: expected)
    func findsTheRightNumberOfFaces(name: String, faces: Int) throws {
        let detector = try DetectorFixtures.detector.get()
        let image = try DetectorFixtures.photo(name)
        let found = try detector.detect(image)
        // The evidence for the default threshold: every score down to 0.05.
        let low = try detector.detect(image, threshold: 0.05)
        print("CenterFace scores \(name): \(low.map { String(format: "%.3f", $0.score) }.joined(separator: " "))")
        #expect(found.count == faces, "\(name): \(found.map(\.score))")
        // A threshold only filters: NMS never lets a weaker box remove a stronger one.
        #expect(found == low.filter { $0.score > detector.configuration.threshold })
        #expect(found.map(\.score) == found.map(\.score).sorted(by: >))
        try expectPlausible(found, width: image.width, height: image.height, name: name)
    }

    @Test func fullSizePixelsGiveTheSameFacesAsTheLibvipsShrink() throws {
        let detector = try DetectorFixtures.detector.get()
        let pixels = try DetectorFixtures.pixels("t1.jpg")
        let own = try detector.detect(pixels)
        let shrunk = try detector.detect(DetectorFixtures.photo("t1.jpg"))
        #expect(pixels.width == 1280 && own.count == 6 && shrunk.count == 6)
        try expectPlausible(own, width: pixels.width, height: pixels.height, name: "t1.jpg full size")
        for face in own {
            let best = shrunk.map { iou(face.box, $0.box) }.max() ?? 0
            #expect(best > 0.8, "box \(face.box) has no match in the libvips-shrunk run")
        }
    }

    @Test func boxesAreInTheCallersPixelCoordinates() throws {
        let detector = try DetectorFixtures.detector.get()
        let data = try #require(FileManager.default.contents(atPath: DetectorFixtures.photos.appendingPathComponent("obama.jpg").path))
        let small = try DecodedImage(data, maxDimension: 500)
        let large = try DecodedImage(data, maxDimension: 4096)
        let a = try #require(try detector.detect(small).first)
        let b = try #require(try detector.detect(large).first)
        let scale = Float(large.width) / Float(small.width)
        #expect(iou(a.scaled(x: scale, y: scale).box, b.box) > 0.85)
    }

    @Test func landmarksAreInCenterFacesOrder() throws {
        let detector = try DetectorFixtures.detector.get()
        for name in ["obama.jpg", "biden.jpg", "astronaut.png"] {
            let face = try #require(try detector.detect(DetectorFixtures.photo(name)).first)
            let (leftEye, rightEye, nose, leftMouth, rightMouth) =
                (face.landmarks[0], face.landmarks[1], face.landmarks[2], face.landmarks[3], face.landmarks[4])
            #expect(leftEye.x < rightEye.x && leftMouth.x < rightMouth.x, "\(name)")
            #expect(max(leftEye.y, rightEye.y) < nose.y && nose.y < min(leftMouth.y, rightMouth.y), "\(name)")
        }
    }

    /// Inside the image, a face-like size and shape, landmarks inside their box.
    func expectPlausible(_ faces: [FaceDetection], width: Int, height: Int, name: String) throws {
        let w = Float(width), h = Float(height)
        for face in faces {
            let box = face.box
            #expect(box.x >= 0 && box.y >= 0 && box.maxX <= w + 0.01 && box.maxY <= h + 0.01, "\(name): \(box)")
            #expect(box.width >= 0.02 * max(w, h) && box.width <= w && box.height <= h, "\(name): \(box)")
            #expect(box.height / box.width > 0.9 && box.height / box.width < 2, "\(name): \(box)")
            #expect(face.score > 0 && face.score <= 1)
            #expect(face.landmarks.count == 5)
            for point in face.landmarks {
                #expect(box.contains(point), "\(name): \(point) outside \(box)")
            }
        }
    }
}

func iou(_ a: FaceBox, _ b: FaceBox) -> Float {
    let overlap = max(0, min(a.maxX, b.maxX) - max(a.x, b.x)) * max(0, min(a.maxY, b.maxY) - max(a.y, b.y))
    return overlap / (a.width * a.height + b.width * b.height - overlap)
}

/// Detection takes a small image at its own size: enlarging it to the detection size made
/// CenterFace see faces in texture (a 480 px group photo: 12 detections for 7 faces).
@Suite struct SmallImageDetectionTests {
    @Test func aGroupPhotoBelowTheDetectionSizeIsNotEnlarged() throws {
        let detector = try DetectorFixtures.detector.get()
        // t1.jpg (six people) shrunk to 480 px wide, below the 640 px detection size.
        let full = try DetectorFixtures.photo("t1.jpg")
        let small = try DecodedImage(try full.encoded(as: .png).data, maxDimension: 480)
        #expect(small.width == 480)
        let pixels = try small.rgb(maxDimension: 480)
        // Asking for 640 and asking for the image's own size give the same faces: nothing is enlarged.
        let found = try detector.detect(pixels, threshold: 0.2)
        #expect(found == (try detector.detect(pixels, threshold: 0.2, detectionSize: 480)))
        #expect((6...7).contains(found.count), "\(found.map(\.score))")
        #expect(try detector.detect(pixels).count == 6)
    }
}
