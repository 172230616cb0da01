import TestSupport
import Foundation
import Testing

@testable import Imaging

/// A JPEG stored in each of the eight EXIF orientations (pixels transformed
/// so a correct viewer shows the same upright quadrant picture) must come
/// out upright from every path.
@Suite struct OrientationTests {
    static let upright = Raster.quadrants(width: 96, height: 48)

    static func jpeg(orientation: Int) throws -> Data {
        let stored = try Fixture.image(upright.stored(forOrientation: orientation))
        return try Fixture.encode(Fixture.withExif(stored, ExifBlob(orientation: orientation)), .jpeg, quality: 95)
    }

    @Test(arguments: 1...8)
    func thumbnailIsUpright(orientation: Int) throws {
        let data = try Self.jpeg(orientation: orientation)
        let header = try ImageProbe.probe(data)
        #expect(header.orientation == orientation)
        #expect(header.uprightWidth == 96 && header.uprightHeight == 48)

        let thumbnail = try Thumbnailer.thumbnail(data, .inside(width: 48, height: 48))
        #expect(thumbnail.width == 48 && thumbnail.height == 24)
        let output = try ImageProbe.probe(thumbnail.data)
        #expect(output.orientation == 1)
        let centres = try decodeRGB(thumbnail.data).quadrantCentres
        #expect(matchesQuadrants(centres), "orientation \(orientation): \(centres)")
    }

    /// Large JPEGs are shrunk in the DCT before the resize (a separate libvips path): the
    /// orientation must still be applied, with the long side at the requested bound.
    @Test(arguments: 1...8)
    func shrunkOnLoadDecodeIsUpright(orientation: Int) throws {
        let upright = Raster.quadrants(width: 960, height: 480)
        let stored = try Fixture.image(upright.stored(forOrientation: orientation))
        let data = try Fixture.encode(Fixture.withExif(stored, ExifBlob(orientation: orientation)), .jpeg, quality: 95)
        let decoded = try DecodedImage(data, maxDimension: 200)
        #expect(decoded.width == 200 && decoded.height == 100, "\(decoded.width)×\(decoded.height)")
        let centres = try decoded.rgb(maxDimension: 200).quadrantCentres
        #expect(matchesQuadrants(centres), "orientation \(orientation): \(centres)")
    }

    @Test(arguments: 1...8)
    func decodedImageIsUpright(orientation: Int) throws {
        let decoded = try DecodedImage(Self.jpeg(orientation: orientation))
        #expect(decoded.width == 96 && decoded.height == 48)
        let centres = try decoded.rgb(maxDimension: 96).quadrantCentres
        #expect(matchesQuadrants(centres), "orientation \(orientation): \(centres)")
        // Hash input comes from the upright image too. Rec. 601 luma of the
        // quadrants: red 76, blue 29, green 150, yellow 226.
        let luma = try decoded.luma(width: 4, height: 2)
        let expected: [UInt8] = [76, 76, 29, 29, 150, 150, 226, 226]
        #expect(zip(luma.pixels, expected).allSatisfy { abs(Int($0) - Int($1)) <= 24 },
                "orientation \(orientation): \(luma.pixels)")
    }
}
