import TestSupport
import Foundation
import Testing

@testable import Imaging

/// Inputs Imaging must refuse: unknown and blocked formats, damaged files.
@Suite struct RejectionTests {
    @Test func emptyAndGarbageAreUnsupported() {
        #expect(throws: ImagingError.unsupportedFormat) { try ImageProbe.probe(Data()) }
        #expect(throws: ImagingError.unsupportedFormat) {
            try ImageProbe.probe(Data("definitely not an image".utf8))
        }
    }

    /// SVG and BMP have libvips loaders (librsvg, ImageMagick) that must not
    /// see untrusted bytes: they are blocked at start-up.
    @Test func formatsOutsideTheAllowListAreRefused() {
        let svg = Data(#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#.utf8)
        #expect(throws: ImagingError.unsupportedFormat) { try ImageProbe.probe(svg) }
        #expect(throws: ImagingError.unsupportedFormat) {
            try Thumbnailer.thumbnail(svg, .cover(width: 8, height: 8))
        }
        #expect(throws: ImagingError.unsupportedFormat) { try ImageProbe.probe(Self.bmp) }
    }

    @Test func truncatedJPEGFailsFullDecodeButNotTheProbe() throws {
        let intact = try Fixture.encode(Raster.noise(width: 256, height: 256), .jpeg)
        try ImageValidator.validate(intact)
        let truncated = intact.prefix(intact.count * 6 / 10)
        #expect(try ImageProbe.probe(truncated).width == 256)
        expectInvalidImage { try ImageValidator.validate(truncated) }
        expectInvalidImage { _ = try Thumbnailer.thumbnail(truncated, .cover(width: 32, height: 32)) }
        expectInvalidImage { _ = try DecodedImage(truncated) }
        // Also when the JPEG is shrunk while it is decoded (DCT shrink 4 on this path).
        expectInvalidImage { _ = try DecodedImage(truncated, maxDimension: 64) }
        #expect(try DecodedImage(truncated, maxDimension: 64, strictness: .lenient).width == 64)
        // Lenient decoding accepts it (grey fill), as plain libvips would.
        #expect(try Thumbnailer.thumbnail(truncated, .cover(width: 32, height: 32), strictness: .lenient)
            .width == 32)
    }

    @Test func truncatedPNGFailsFullDecode() throws {
        let intact = try Fixture.encode(Raster.noise(width: 200, height: 200), .png)
        try ImageValidator.validate(intact)
        let truncated = intact.prefix(intact.count / 2)
        expectInvalidImage { try ImageValidator.validate(truncated) }
    }

    @Test func missingFilesAreInvalid() {
        expectInvalidImage { _ = try ImageProbe.probe(fileAt: "/nonexistent/imaging-test.jpg") }
    }

    @Test func invalidArgumentsAreRejected() throws {
        let data = try Fixture.encode(Raster.solid(.red, width: 8, height: 8), .png)
        #expect(throws: ImagingError.self) { try Thumbnailer.thumbnail(data, .cover(width: 0, height: 8)) }
        #expect(throws: ImagingError.self) {
            try Thumbnailer.thumbnail(data, .cover(width: 8, height: 8), as: .webp(quality: 0))
        }
        #expect(throws: ImagingError.self) { try DecodedImage(data).luma(width: 0, height: 8) }
    }

    /// 2×2 24-bit BMP.
    static let bmp: Data = {
        let pixels: [UInt8] = [0, 0, 255, 0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0]
        var header: [UInt8] = Array("BM".utf8) + ExifBlob.le32(UInt32(54 + pixels.count))
        header += ExifBlob.le32(0) + ExifBlob.le32(54) + ExifBlob.le32(40)
        header += ExifBlob.le32(2) + ExifBlob.le32(2) + ExifBlob.le16(1) + ExifBlob.le16(24)
        header += ExifBlob.le32(0) + ExifBlob.le32(UInt32(pixels.count))
        header += ExifBlob.le32(2835) + ExifBlob.le32(2835) + ExifBlob.le32(0) + ExifBlob.le32(0)
        return Data(header + pixels)
    }()
}
