import TestSupport
import Foundation
import Testing

@testable import Imaging

@Suite struct ProbeTests {
    @Test func probesJPEGHeader() throws {
        let data = try Fixture.encode(Raster.quadrants(width: 120, height: 80), .jpeg)
        let header = try ImageProbe.probe(data)
        #expect(header.format == .jpeg)
        #expect(header.width == 120 && header.height == 80)
        #expect(header.bands == 3)
        #expect(!header.hasAlpha)
        #expect(header.orientation == 1)
        #expect(header.pageCount == 1)
        #expect(header.colourSpace == .srgb)
        #expect(header.bitsPerSample == 8)
    }

    @Test func probesPNGWithAlphaAnd16Bits() throws {
        let rgba = Raster(width: 40, height: 30, bands: 4) { x, _ in [0, 0, 255, x < 20 ? 0 : 255] }
        let alpha = try ImageProbe.probe(Fixture.encode(rgba, .png))
        #expect(alpha.format == .png && alpha.hasAlpha && alpha.bands == 4)

        let wide = try Fixture.colourspace(Fixture.image(.quadrants(width: 40, height: 30)), "rgb16")
        let sixteen = try ImageProbe.probe(Fixture.encode(wide, .png))
        #expect(sixteen.bitsPerSample == 16)
        #expect(sixteen.colourSpace == .rgb16)
        #expect(!sixteen.hasAlpha)
    }

    @Test func probesAnimatedGIFAndWebPFirstPage() throws {
        let pages = try Fixture.pages([
            .solid(.red, width: 32, height: 24), .solid(.blue, width: 32, height: 24),
        ])
        for saver in [Fixture.Saver.gif, .webp] {
            let header = try ImageProbe.probe(Fixture.encode(pages, saver))
            #expect(header.format == (saver == .gif ? .gif : .webp))
            #expect(header.pageCount == 2)
            #expect(header.width == 32 && header.height == 24)
        }
    }

    @Test func probesCMYKJPEG() throws {
        let cmyk = try Fixture.colourspace(Fixture.image(.quadrants(width: 40, height: 40)), "cmyk")
        let header = try ImageProbe.probe(Fixture.encode(cmyk, .jpeg))
        #expect(header.colourSpace == .cmyk)
        #expect(header.bands == 4)
        #expect(!header.hasAlpha)
    }

    @Test(.enabled(if: Fixture.canWriteHEIC, "libheif cannot encode HEIC here"))
    func probesHEIC() throws {
        let header = try ImageProbe.probe(Fixture.encode(Raster.quadrants(width: 64, height: 48), .heif))
        #expect(header.format == .heif)
        #expect(header.width == 64 && header.height == 48)
    }

    @Test func reportsExifOrientation() throws {
        let image = try Fixture.withExif(Fixture.image(.quadrants(width: 40, height: 20)), ExifBlob(orientation: 6))
        let header = try ImageProbe.probe(Fixture.encode(image, .jpeg))
        #expect(header.orientation == 6)
        #expect(header.uprightWidth == 20 && header.uprightHeight == 40)
        let metadata = header.metadata
        #expect(metadata == ImageMetadata(
            width: 20, height: 40, format: .jpeg, colourSpace: .srgb, hasAlpha: false, orientation: 6))
    }

    /// A 1 KB JPEG whose frame header claims 30000×30000 (900 MP): the probe
    /// answers from the header alone, and every decoding entry point refuses
    /// it before touching pixels.
    @Test func pixelBombIsProbedButNeverDecoded() throws {
        let bomb = try PixelBomb.jpeg(width: 30000, height: 30000)
        let header = try ImageProbe.probe(bomb)
        #expect(header.width == 30000 && header.height == 30000)
        #expect(throws: ImagingError.tooLarge(width: 30000, height: 30000)) {
            try ImageLimits.default.check(header)
        }
        #expect(throws: ImagingError.tooLarge(width: 30000, height: 30000)) {
            try Thumbnailer.thumbnail(bomb, .cover(width: 64, height: 64))
        }
        #expect(throws: ImagingError.tooLarge(width: 30000, height: 30000)) {
            try DecodedImage(bomb)
        }
        #expect(throws: ImagingError.tooLarge(width: 30000, height: 30000)) {
            try ImageValidator.validate(bomb)
        }
    }

    @Test func limitsCheckEachDimensionAndPixelCount() throws {
        let header = try ImageProbe.probe(Fixture.encode(Raster.solid(.red, width: 50, height: 10), .png))
        try ImageLimits(maxWidth: 50, maxHeight: 10, maxPixels: 500).check(header)
        #expect(throws: ImagingError.self) { try ImageLimits(maxWidth: 49).check(header) }
        #expect(throws: ImagingError.self) { try ImageLimits(maxHeight: 9).check(header) }
        #expect(throws: ImagingError.self) { try ImageLimits(maxPixels: 499).check(header) }
    }

    @Test func probesFilesOnDisk() throws {
        let data = try Fixture.encode(Raster.quadrants(width: 30, height: 20), .webp)
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("imaging-probe-\(UUID().uuidString).webp")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let header = try ImageProbe.probe(fileAt: url.path)
        #expect(header.format == .webp && header.width == 30 && header.height == 20)
        try ImageValidator.validate(fileAt: url.path)
    }
}

enum PixelBomb {
    /// A real small JPEG with the SOF0 dimensions rewritten.
    static func jpeg(width: Int, height: Int) throws -> Data {
        var data = try Fixture.encode(Raster.noise(width: 16, height: 16), .jpeg)
        let bytes = [UInt8](data)
        guard let sof = (0..<bytes.count - 1).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        else { throw ImagingError.invalidArgument("no SOF0 marker") }
        // FF C0, length (2), precision (1), height (2), width (2) — big-endian.
        data[sof + 5] = UInt8(height >> 8)
        data[sof + 6] = UInt8(height & 0xFF)
        data[sof + 7] = UInt8(width >> 8)
        data[sof + 8] = UInt8(width & 0xFF)
        return data
    }
}
