import Foundation
import Testing

@testable import Imaging

/// `RGBPixels.encoded(as:)` (face crops): round trip through each format.
@Suite struct PixelEncodingTests {
    @Test(arguments: [EncodeFormat.png, .jpeg(quality: 95), .webp(quality: 95)])
    func roundTrips(format: EncodeFormat) throws {
        let raster = Raster.quadrants(width: 64, height: 32)
        let encoded = try RGBPixels(width: 64, height: 32, pixels: raster.pixels).encoded(as: format)
        #expect(encoded.format == format.mediaType && encoded.width == 64 && encoded.height == 32)
        #expect(!encoded.data.containsASCII("exif"))
        #expect(matchesQuadrants(try decodeRGB(encoded.data).quadrantCentres))
    }

    @Test func rejectsMismatchedBuffers() {
        #expect(throws: ImagingError.self) {
            try RGBPixels(width: 4, height: 4, pixels: [0, 0, 0]).encoded(as: .png)
        }
    }
}
