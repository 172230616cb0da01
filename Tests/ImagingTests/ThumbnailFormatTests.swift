import Foundation
import Testing

@testable import Imaging

/// Every accepted input format, generated here, thumbnails to an upright 8-bit
/// sRGB WebP with the right pixels.
@Suite struct ThumbnailFormatTests {
    static let quadrants = Raster.quadrants(width: 200, height: 100)

    /// 200×100 → cover 64×64: scaled to 128×64, centre 64 columns kept, so
    /// each quadrant colour stays in its corner.
    func expectCoverThumbnail(of data: Data, tolerance: Int = 48) throws {
        let thumbnail = try Thumbnailer.thumbnail(data, .cover(width: 64, height: 64))
        #expect(thumbnail.format == .webp && thumbnail.width == 64 && thumbnail.height == 64)
        let header = try ImageProbe.probe(thumbnail.data)
        #expect(header.format == .webp && header.width == 64 && header.height == 64)
        #expect(header.colourSpace == .srgb && header.bitsPerSample == 8)
        let centres = try decodeRGB(thumbnail.data).quadrantCentres
        #expect(zip(centres, expectedQuadrants).allSatisfy { $0.isClose(to: $1, tolerance: tolerance) },
                "quadrants \(centres)")
    }

    @Test func baselineJPEG() throws {
        try expectCoverThumbnail(of: Fixture.encode(Self.quadrants, .jpeg))
    }

    @Test func progressiveJPEG() throws {
        let data = try Fixture.encode(Self.quadrants, .jpeg, progressive: true)
        #expect(data.contains([0xFF, 0xC2]))  // SOF2: progressive DCT
        try expectCoverThumbnail(of: data)
    }

    @Test func png() throws {
        try expectCoverThumbnail(of: Fixture.encode(Self.quadrants, .png))
    }

    @Test func sixteenBitPNGBecomesEightBit() throws {
        let wide = try Fixture.colourspace(Fixture.image(Self.quadrants), "rgb16")
        let data = try Fixture.encode(wide, .png)
        #expect(try ImageProbe.probe(data).bitsPerSample == 16)
        try expectCoverThumbnail(of: data, tolerance: 8)
    }

    @Test func webp() throws {
        try expectCoverThumbnail(of: Fixture.encode(Self.quadrants, .webp, quality: 95))
    }

    @Test func cmykJPEGBecomesSRGB() throws {
        let cmyk = try Fixture.colourspace(Fixture.image(Self.quadrants), "cmyk")
        let data = try Fixture.encode(cmyk, .jpeg, quality: 95)
        #expect(try ImageProbe.probe(data).colourSpace == .cmyk)
        // Pure sRGB primaries are outside the CMYK gamut, so the round trip
        // through libvips' CMYK profile changes them (green turns olive). The
        // oracle is libvips' own pixel-wise round trip of the four colours.
        let swatch = Raster(width: 4, height: 1) { x, _ in expectedQuadrants[x].bytes }
        let roundTrip = try Fixture.colourspace(
            Fixture.colourspace(Fixture.image(swatch), "cmyk"), "srgb"
        ).pixelBytes()
        let expected = (0..<4).map {
            Colour(red: roundTrip[$0 * 3], green: roundTrip[$0 * 3 + 1], blue: roundTrip[$0 * 3 + 2])
        }
        #expect(expected[0].isClose(to: .red, tolerance: 64), "red must not come back inverted: \(expected[0])")
        let thumbnail = try Thumbnailer.thumbnail(data, .cover(width: 64, height: 64))
        let header = try ImageProbe.probe(thumbnail.data)
        #expect(header.colourSpace == .srgb && header.bands == 3)
        let centres = try decodeRGB(thumbnail.data).quadrantCentres
        #expect(zip(centres, expected).allSatisfy { $0.isClose(to: $1, tolerance: 24) },
                "\(centres) vs \(expected)")
    }

    @Test(.enabled(if: Fixture.canWriteHEIC, "libheif cannot encode HEIC here"))
    func heic() throws {
        try expectCoverThumbnail(of: Fixture.encode(Self.quadrants, .heif, quality: 90))
    }

    @Test func animatedGIFAndWebPGiveTheFirstFrame() throws {
        let pages = try Fixture.pages([
            .solid(.red, width: 80, height: 60), .solid(.blue, width: 80, height: 60),
            .solid(.green, width: 80, height: 60),
        ])
        for saver in [Fixture.Saver.gif, .webp] {
            let thumbnail = try Thumbnailer.thumbnail(Fixture.encode(pages, saver), .inside(width: 40, height: 40))
            #expect(thumbnail.width == 40 && thumbnail.height == 30)
            let header = try ImageProbe.probe(thumbnail.data)
            #expect(header.pageCount == 1 && header.height == 30)
            let pixels = try decodeRGB(thumbnail.data)
            #expect(pixels.colour(20, 15).isClose(to: .red), "\(saver): \(pixels.colour(20, 15))")
        }
    }

    @Test(.enabled(if: Fixture.canWriteHEIC, "libheif cannot encode HEIC here"))
    func multiImageHEICGivesThePrimaryImage() throws {
        let pages = try Fixture.pages([.solid(.red, width: 64, height: 48), .solid(.blue, width: 64, height: 48)])
        let data = try Fixture.encode(pages, .heif)
        let header = try ImageProbe.probe(data)
        #expect(header.pageCount == 2 && header.height == 48)
        let thumbnail = try Thumbnailer.thumbnail(data, .inside(width: 32, height: 32))
        #expect(thumbnail.width == 32 && thumbnail.height == 24)
        #expect(try decodeRGB(thumbnail.data).colour(16, 12).isClose(to: .red))
    }

    @Test func alphaSurvivesWebPAndFlattensToWhiteInJPEG() throws {
        let rgba = Raster(width: 64, height: 32, bands: 4) { x, _ in x < 32 ? [0, 0, 0, 0] : [0, 0, 255, 255] }
        let data = try Fixture.encode(rgba, .png)
        let webp = try Thumbnailer.thumbnail(data, .inside(width: 32, height: 32))
        #expect(try ImageProbe.probe(webp.data).hasAlpha)
        let jpeg = try Thumbnailer.thumbnail(data, .inside(width: 32, height: 32), as: .jpeg(quality: 90))
        let header = try ImageProbe.probe(jpeg.data)
        #expect(header.format == .jpeg && !header.hasAlpha && header.bands == 3)
        let pixels = try decodeRGB(jpeg.data)
        #expect(pixels.colour(4, 8).isClose(to: .white), "\(pixels.colour(4, 8))")
        #expect(pixels.colour(28, 8).isClose(to: .blue), "\(pixels.colour(28, 8))")
    }

    @Test func neverEnlarges() throws {
        let data = try Fixture.encode(Raster.quadrants(width: 40, height: 20), .png)
        let inside = try Thumbnailer.thumbnail(data, .inside(width: 400, height: 400))
        #expect(inside.width == 40 && inside.height == 20)
        let cover = try Thumbnailer.thumbnail(data, .cover(width: 400, height: 400))
        #expect(cover.width <= 40 && cover.height <= 20)
    }

    @Test func encodesEachOutputFormat() throws {
        let data = try Fixture.encode(Self.quadrants, .png)
        for format in [EncodeFormat.jpeg(quality: 80), .jpeg(quality: 80, progressive: true), .png, .webp(quality: 60)] {
            let out = try Thumbnailer.thumbnail(data, .inside(width: 50, height: 50), as: format)
            let header = try ImageProbe.probe(out.data)
            #expect(header.format == format.mediaType)
            #expect(header.width == 50 && header.height == 25)
            #expect(out.format == format.mediaType)
        }
    }
}
