import Foundation
import Testing

@testable import Imaging

/// Real-world files from ../shared/testdata/formats; skipped when absent.
@Suite(.enabled(if: SharedFormats.isAvailable, "../shared/testdata/formats is not present"))
struct SharedFormatsTests {
    @Test(arguments: 1...8)
    func exifSampleOrientationsComeOutLandscape(orientation: Int) throws {
        let data = try SharedFormats.data("exif_orientation/exif_samples_landscape_\(orientation).jpg")
        let header = try ImageProbe.probe(data)
        #expect(header.orientation == orientation)
        #expect(header.uprightWidth == 600 && header.uprightHeight == 450)
        let thumbnail = try Thumbnailer.thumbnail(data, .inside(width: 120, height: 120))
        #expect(thumbnail.width == 120 && thumbnail.height == 90)
    }

    @Test(arguments: [
        "corrupt/sharp_truncated.jpg", "corrupt/pillow_truncated_jpeg.jpg", "corrupt/sharp_truncated.png",
        "corrupt/pillow_truncated_image.png",
    ])
    func truncatedFilesFailValidation(file: String) throws {
        let data = try SharedFormats.data(file)
        _ = try ImageProbe.probe(data)  // the header is intact
        expectInvalidImage { try ImageValidator.validate(data) }
    }

    @Test(arguments: ["corrupt/pillow_broken.png", "corrupt/pillow_heif_empty.heic", "corrupt/sharp_corrupt-header.jpg"])
    func brokenHeadersAreRejected(file: String) throws {
        #expect(throws: ImagingError.self) { try ImageProbe.probe(SharedFormats.data(file)) }
    }

    @Test func gpsPhotoThumbnailsAreClean() throws {
        let data = try SharedFormats.data("exif_gps/DSCN0010.jpg")
        #expect(try Fixture.metadataFields(data).contains { $0.hasPrefix("exif-ifd3-GPS") })
        #expect(data.containsASCII("NIKON"))
        for format in [EncodeFormat.webp(), .jpeg(), .png] {
            let output = try Thumbnailer.thumbnail(data, .cover(width: 96, height: 96), as: format)
            #expect(!output.data.containsASCII("NIKON") && !output.data.containsASCII("exif"))
            #expect(!(try Fixture.metadataFields(output.data)).contains { $0.contains("exif") || $0.contains("icc") })
        }
    }

    @Test func cmykAnd16BitBecome8BitSRGB() throws {
        for file in [
            "cmyk/sharp_Channel_digital_image_CMYK_color.jpg",
            "cmyk/sharp_Channel_digital_image_CMYK_color_no_profile.jpg",
            "png_16bit/sharp_16-bit-grey-alpha.png", "png_16bit/pillow_heif_RGB_16__128x128.png",
        ] {
            let output = try Thumbnailer.thumbnail(SharedFormats.data(file), .cover(width: 64, height: 64))
            let header = try ImageProbe.probe(output.data)
            #expect(header.colourSpace == .srgb && header.bitsPerSample == 8, "\(file)")
            #expect(header.bands == 3 || header.bands == 4, "\(file)")
        }
    }

    @Test func animatedFilesGiveOneFrame() throws {
        for file in ["animated/sharp_animated-loop-3.webp", "animated/sharp_animated-loop-3.gif"] {
            let data = try SharedFormats.data(file)
            let header = try ImageProbe.probe(data)
            #expect(header.pageCount == 10 && header.width == 370 && header.height == 285, "\(file)")
            let output = try Thumbnailer.thumbnail(data, .inside(width: 100, height: 100))
            #expect(try ImageProbe.probe(output.data).pageCount == 1)
        }
    }

    @Test func avifIsReportedAsAVIF() throws {
        let data = try SharedFormats.data("misc/sharp_sdr_cosmos12920.avif")
        let header = try ImageProbe.probe(data)
        #expect(header.format == .avif && header.width == 2048 && header.height == 858)
    }

    @Test func heicFiles() throws {
        let still = try SharedFormats.data("heic/exif_samples_samplefilehub.heif")
        #expect(try ImageProbe.probe(still).format == .heif)
        let decoded = try DecodedImage(still, maxDimension: 320)
        #expect(max(decoded.width, decoded.height) == 320)

        let burst = try SharedFormats.data("heic/nokia_bird_burst.heic")
        let header = try ImageProbe.probe(burst)
        #expect(header.pageCount == 4 && header.width == 1280 && header.height == 720)
        #expect(try Thumbnailer.thumbnail(burst, .cover(width: 64, height: 64)).width == 64)
    }
}
