import Foundation
import Testing

@testable import Imaging

/// Pixels for perceptual hashes: Rec. 601 luma, exact sizes, upright.
@Suite struct HashInputTests {
    @Test(arguments: [(8, 8), (9, 8), (32, 32), (64, 64)])
    func exactSizes(width: Int, height: Int) throws {
        let decoded = try DecodedImage(Fixture.encode(Raster.noise(width: 300, height: 200), .png))
        let luma = try decoded.luma(width: width, height: height)
        #expect(luma.width == width && luma.height == height)
        #expect(luma.pixels.count == width * height)
        #expect(luma.floats.count == width * height)
    }

    @Test func lumaUsesRec601Weights() throws {
        let cases: [(Colour, UInt8)] = [(.red, 76), (.green, 150), (.blue, 29), (.white, 255), (.yellow, 226)]
        for (colour, expected) in cases {
            let decoded = try DecodedImage(Fixture.encode(Raster.solid(colour, width: 20, height: 20), .png))
            let luma = try decoded.luma(width: 8, height: 8)
            #expect(luma.pixels.allSatisfy { $0 == expected }, "\(colour): \(luma.pixels[0]) != \(expected)")
        }
    }

    @Test func transparencyIsLumaOfWhite() throws {
        let clear = Raster(width: 16, height: 16, bands: 4) { _, _ in [0, 0, 0, 0] }
        let luma = try DecodedImage(Fixture.encode(clear, .png)).luma(width: 8, height: 8)
        #expect(luma.pixels.allSatisfy { $0 == 255 })
    }

    /// dHash reads left-to-right differences: a horizontal ramp must stay a
    /// strictly increasing ramp in every row of the 9×8 input.
    @Test func gradientKeepsItsOrder() throws {
        let ramp = Raster(width: 360, height: 90) { x, _ in
            let value = UInt8(x * 255 / 359)
            return [value, value, value]
        }
        let luma = try DecodedImage(Fixture.encode(ramp, .png)).luma(width: 9, height: 8)
        for y in 0..<8 {
            let row = (0..<9).map { luma[$0, y] }
            #expect(zip(row, row.dropFirst()).allSatisfy { $0 < $1 }, "row \(y): \(row)")
        }
    }

    @Test func pdqInputIsAtMost512AndNeverEnlarged() throws {
        let big = try DecodedImage(Fixture.encode(Raster.noise(width: 1200, height: 600), .png))
        #expect(big.width == 1024 && big.height == 512)  // decode-once limit
        let pdq = try big.luma(maxDimension: 512)
        #expect(pdq.width == 512 && pdq.height == 256)
        #expect(pdq.pixels.count == 512 * 256)

        let small = try DecodedImage(Fixture.encode(Raster.noise(width: 100, height: 50), .png)).luma()
        #expect(small.width == 100 && small.height == 50)
    }

    @Test func rgbPixelsForTheDetector() throws {
        let decoded = try DecodedImage(Fixture.encode(Raster.quadrants(width: 400, height: 200), .png))
        let rgb = try decoded.rgb(maxDimension: 100)
        #expect(rgb.width == 100 && rgb.height == 50)
        #expect(rgb.pixels.count == 100 * 50 * 3)
        #expect(matchesQuadrants(rgb.quadrantCentres), "\(rgb.quadrantCentres)")
        let full = try decoded.rgb(maxDimension: 4000)
        #expect(full.width == 400 && full.height == 200)
    }
}
