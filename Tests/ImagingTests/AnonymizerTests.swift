import FacepipeCore
import Foundation
import Testing

@testable import Imaging

/// A 200 × 160 scene: a smooth gradient with a 2 px black-and-white
/// checkerboard filling the mask box of one face. Lossless PNG in and out,
/// so "unchanged" means identical.
enum AnonymizeScene {
    static let width = 200, height = 160
    static let face = FaceDetection(x: 80, y: 60, width: 40, height: 40, score: 0.87)
    /// The face's box grown by the default mask scale 1.3 (12 px each side).
    static let box = (x: 68, y: 48, width: 64, height: 64)

    static func inBox(_ x: Int, _ y: Int) -> Bool {
        (box.x..<box.x + box.width).contains(x) && (box.y..<box.y + box.height).contains(y)
    }

    static let raster = Raster(width: width, height: height) { x, y in
        if inBox(x, y) { return (x / 2 + y / 2) % 2 == 0 ? [0, 0, 0] : [255, 255, 255] }
        return [UInt8(60 + x / 4), UInt8(80 + y / 4), 100]
    }

    static func png() throws -> Data { try Fixture.encode(raster, .png) }

    static func anonymize(
        _ options: AnonymizationOptions, faces: [FaceDetection] = [face]
    ) throws -> RGBPixels {
        let output = try Anonymizer.anonymize(try png(), faces: faces, options: options, as: .png)
        #expect(output.width == width && output.height == height)
        return try decodeRGB(output.data)
    }

    static func original(_ x: Int, _ y: Int) -> [UInt8] { raster.pixel(x, y) }

    /// Pixels outside the mask box that differ from the input.
    static func changedOutsideBox(_ pixels: RGBPixels) -> Int {
        var changed = 0
        for y in 0..<height {
            for x in 0..<width where !inBox(x, y) && pixels.colour(x, y).bytes != original(x, y) {
                changed += 1
            }
        }
        return changed
    }

    static let corners = [
        (box.x, box.y), (box.x + box.width - 1, box.y),
        (box.x, box.y + box.height - 1), (box.x + box.width - 1, box.y + box.height - 1),
    ]

    /// Variance of the grey level over the middle half of the box (inside the ellipse too).
    static func centreVariance(_ colour: (Int, Int) -> [UInt8]) -> Double {
        var values: [Double] = []
        for y in box.y + 16..<box.y + 48 {
            for x in box.x + 16..<box.x + 48 {
                values.append(colour(x, y).map(Double.init).reduce(0, +) / 3)
            }
        }
        let mean = values.reduce(0, +) / Double(values.count)
        return values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
    }
}

@Suite struct AnonymizerTests {
    typealias Scene = AnonymizeScene

    @Test(arguments: [AnonymizationOptions.Shape.ellipse, .box])
    func blurFlattensTheFaceAndNothingElse(shape: AnonymizationOptions.Shape) throws {
        let pixels = try Scene.anonymize(AnonymizationOptions(mode: .blur, shape: shape))
        let before = Scene.centreVariance(Scene.original)
        let after = Scene.centreVariance { pixels.colour($0, $1).bytes }
        #expect(before > 10_000)
        #expect(after < before / 100, "variance \(before) → \(after)")
        #expect(Scene.changedOutsideBox(pixels) == 0)
    }

    @Test func ellipseLeavesTheBoxCornersAlone() throws {
        for mode in [AnonymizationOptions.Mode.blur, .solid, .mosaic(tileSize: 5)] {
            let ellipse = try Scene.anonymize(AnonymizationOptions(mode: mode, shape: .ellipse))
            let box = try Scene.anonymize(AnonymizationOptions(mode: mode, shape: .box))
            for (x, y) in Scene.corners {
                #expect(ellipse.colour(x, y).bytes == Scene.original(x, y), "\(mode) ellipse at \(x),\(y)")
            }
            // Corners that were white: blur and solid darken them; mosaic
            // corner tiles take another pixel's colour.
            let changed = Scene.corners.filter { x, y in box.colour(x, y).bytes != Scene.original(x, y) }
            #expect(!changed.isEmpty, "\(mode) box changed no corner")
        }
    }

    @Test func solidBoxIsBlack() throws {
        let pixels = try Scene.anonymize(AnonymizationOptions(mode: .solid, shape: .box))
        for y in Scene.box.y..<Scene.box.y + Scene.box.height {
            for x in Scene.box.x..<Scene.box.x + Scene.box.width {
                #expect(pixels.colour(x, y).bytes == [0, 0, 0])
            }
        }
        #expect(Scene.changedOutsideBox(pixels) == 0)
    }

    @Test func solidEllipseIsBlackInside() throws {
        let pixels = try Scene.anonymize(AnonymizationOptions(mode: .solid, shape: .ellipse))
        // Centre, and the middles of the four edges (on the ellipse's axes).
        let (cx, cy) = (Scene.box.x + 32, Scene.box.y + 32)
        for (x, y) in [(cx, cy), (Scene.box.x, cy), (Scene.box.x + 63, cy), (cx, Scene.box.y), (cx, Scene.box.y + 63)] {
            #expect(pixels.colour(x, y).bytes == [0, 0, 0], "at \(x),\(y)")
        }
        #expect(Scene.changedOutsideBox(pixels) == 0)
    }

    @Test(arguments: [8, 10, 20])
    func mosaicIsUniformTiles(tileSize: Int) throws {
        let options = AnonymizationOptions(mode: .mosaic(tileSize: tileSize), shape: .box)
        let pixels = try Scene.anonymize(options)
        for y in Scene.box.y..<Scene.box.y + Scene.box.height {
            for x in Scene.box.x..<Scene.box.x + Scene.box.width {
                // Each tile has the colour of its top-left pixel (deface).
                let tileX = Scene.box.x + (x - Scene.box.x) / tileSize * tileSize
                let tileY = Scene.box.y + (y - Scene.box.y) / tileSize * tileSize
                #expect(pixels.colour(x, y).bytes == Scene.original(tileX, tileY), "at \(x),\(y)")
            }
        }
        #expect(Scene.changedOutsideBox(pixels) == 0)
    }

    @Test func noneChangesNothing() throws {
        let pixels = try Scene.anonymize(AnonymizationOptions(mode: .none))
        #expect(pixels.pixels == Scene.raster.pixels)
        let noFaces = try Scene.anonymize(.default, faces: [])
        #expect(noFaces.pixels == Scene.raster.pixels)
    }

    @Test func boxesOutsideTheImageAreClipped() throws {
        let faces: [FaceDetection] = [
            FaceDetection(x: -30, y: -30, width: 60, height: 60, score: 0.9),
            FaceDetection(x: 180, y: 140, width: 100, height: 100, score: 0.8),
            FaceDetection(x: 500, y: -500, width: 10, height: 10, score: 0.7),
        ]
        for mode in [AnonymizationOptions.Mode.blur, .solid, .mosaic(tileSize: 20), .none] {
            for shape in [AnonymizationOptions.Shape.ellipse, .box] {
                let options = AnonymizationOptions(mode: mode, shape: shape, drawScores: true)
                _ = try Scene.anonymize(options, faces: faces)
            }
        }
        let pixels = try Scene.anonymize(AnonymizationOptions(mode: .solid, shape: .box), faces: faces)
        for (x, y) in [(0, 0), (47, 47), (199, 159), (150, 110)] {
            #expect(pixels.colour(x, y).bytes == [0, 0, 0], "at \(x),\(y)")
        }
        #expect(pixels.colour(20, 100).bytes == Scene.original(20, 100))
    }

    @Test func drawScoresOutlinesTheBox() throws {
        let pixels = try Scene.anonymize(AnonymizationOptions(mode: .none, drawScores: true))
        // 2 px outline (the image is small) in deface's green.
        let edges = [(Scene.box.x + 1, Scene.box.y + 30), (Scene.box.x + 30, Scene.box.y + 62)]
        for (x, y) in Scene.corners + edges {
            #expect(pixels.colour(x, y) == .green, "at \(x),\(y)")
        }
        let (cx, cy) = (Scene.box.x + 30, Scene.box.y + 30)
        #expect(pixels.colour(cx, cy).bytes == Scene.original(cx, cy))
        // The score text sits above the box (libvips renders it with Pango).
        var greenAbove = 0
        for y in 0..<Scene.box.y - 2 {
            for x in Scene.box.x..<Scene.box.x + 60
            where pixels.colour(x, y).isClose(to: .green, tolerance: 60) {
                greenAbove += 1
            }
        }
        #expect(greenAbove > 10, "no score text above the box")
    }

    @Test func rejectsImpossibleOptions() throws {
        let png = try Scene.png()
        let bad: [(AnonymizationOptions, [FaceDetection])] = [
            (AnonymizationOptions(maskScale: 0.5), [Scene.face]),
            (AnonymizationOptions(maskScale: .nan), [Scene.face]),
            (AnonymizationOptions(mode: .mosaic(tileSize: 0)), [Scene.face]),
            (.default, [FaceDetection(x: .nan, y: 0, width: 10, height: 10, score: 1)]),
            (.default, [FaceDetection(x: 0, y: 0, width: -10, height: 10, score: 1)]),
        ]
        for (options, faces) in bad {
            #expect(throws: ImagingError.self) {
                try Anonymizer.anonymize(png, faces: faces, options: options, as: .png)
            }
        }
    }
}
