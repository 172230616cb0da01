import FacepipeCore
import Foundation
import TestSupport
import Testing

@testable import Imaging

/// Anonymized outputs: metadata stripped, upright coordinates, formats.
@Suite struct AnonymizerOutputTests {
    /// A phone-style JPEG: EXIF with camera, orientation and GPS.
    static func jpegWithGPS(_ raster: Raster, orientation: Int = 1) throws -> Data {
        let stored = try Fixture.image(raster.stored(forOrientation: orientation))
        let plain = try stored.save(Fixture.Saver.jpeg.rawValue, quality: 95, progressive: false)
        return Data(ExifBlob(orientation: orientation).inserted(into: [UInt8](plain)))
    }

    @Test(arguments: [EncodeFormat.jpeg(), .png, .webp()])
    func outputHasNoMetadata(format: EncodeFormat) throws {
        let input = try Self.jpegWithGPS(AnonymizeScene.raster)
        #expect(input.contains(ExifBlob.latitudeSecondsBytes))
        let output = try Anonymizer.anonymize(
            input, faces: [AnonymizeScene.face], options: .default, as: format)
        #expect(output.format == format.mediaType)
        #expect(!output.data.contains(ExifBlob.latitudeSecondsBytes))
        #expect(!output.data.containsASCII("FacepipeCam"))
        let fields = try Fixture.metadataFields(output.data)
        #expect(fields.filter { ["exif", "xmp", "icc"].contains(where: $0.hasPrefix) } == [])
    }

    @Test func orientationSixIsAnonymizedUpright() throws {
        // Upright 120 × 80 quadrants, stored turned for orientation 6 (80 × 120).
        let upright = Raster.quadrants(width: 120, height: 80)
        let input = try Self.jpegWithGPS(upright, orientation: 6)
        #expect(try ImageProbe.probe(input).width == 80)
        // A face in the red (top-left) quadrant, upright coordinates.
        let face = FaceDetection(x: 10, y: 10, width: 30, height: 20, score: 0.9)
        let output = try Anonymizer.anonymize(
            input, faces: [face],
            options: AnonymizationOptions(mode: .solid, shape: .box, maskScale: 1),
            as: .jpeg(quality: 95))
        #expect(output.width == 120 && output.height == 80)
        #expect(try ImageProbe.probe(output.data).orientation == 1)
        let pixels = try decodeRGB(output.data)
        let black = Colour(red: 0, green: 0, blue: 0)
        for (x, y) in [(12, 12), (37, 12), (12, 27), (25, 20)] {
            #expect(pixels.colour(x, y).isClose(to: black, tolerance: 24), "at \(x),\(y)")
        }
        // Around it, the upright quadrants are intact.
        let expected: [(Int, Int, Colour)] = [
            (50, 12, .red), (12, 35, .red), (100, 20, .blue), (20, 70, .green), (100, 70, .yellow),
        ]
        for (x, y, colour) in expected {
            #expect(pixels.colour(x, y).isClose(to: colour), "at \(x),\(y): \(pixels.colour(x, y))")
        }
    }

    @Test func decodedImageVariantScalesFacesToItsSize() throws {
        // Decoded at half size: the face (upright original pixels) is halved.
        let decoded = try DecodedImage(AnonymizeScene.png(), maxDimension: 100)
        #expect(decoded.width == 100 && decoded.height == 80)
        let output = try Anonymizer.anonymize(
            decoded, faces: [AnonymizeScene.face],
            options: AnonymizationOptions(mode: .solid, shape: .box), as: .png)
        #expect(output.width == 100 && output.height == 80)
        let pixels = try decodeRGB(output.data)
        // Face 40…60 × 30…50 grown by 6 px a side: 34…66 × 24…56.
        #expect(pixels.colour(34, 24).bytes == [0, 0, 0] && pixels.colour(65, 55).bytes == [0, 0, 0])
        #expect(pixels.colour(33, 24).bytes != [0, 0, 0] && pixels.colour(66, 56).bytes != [0, 0, 0])
    }

    @Test func alphaImagesStayValid() throws {
        // RGBA in, PNG out (alpha kept): solid masks are opaque black.
        let raster = Raster(width: 64, height: 64, bands: 4) { x, _ in [200, 100, 50, x < 32 ? 0 : 255] }
        let png = try Fixture.encode(raster, .png)
        for mode in [AnonymizationOptions.Mode.blur, .solid, .mosaic(tileSize: 4)] {
            let output = try Anonymizer.anonymize(
                png, faces: [FaceDetection(x: 16, y: 16, width: 32, height: 32, score: 1)],
                options: AnonymizationOptions(mode: mode, shape: .box, maskScale: 1), as: .png)
            let header = try ImageProbe.probe(output.data)
            #expect(header.bands == 4 && header.width == 64)
        }
        let solid = try Anonymizer.anonymize(
            png, faces: [FaceDetection(x: 16, y: 16, width: 32, height: 32, score: 1)],
            options: AnonymizationOptions(mode: .solid, shape: .box, maskScale: 1), as: .png)
        // Flattened onto white by decodeRGB: opaque black stays black.
        #expect(try decodeRGB(solid.data).colour(20, 20).bytes == [0, 0, 0])
    }
}
