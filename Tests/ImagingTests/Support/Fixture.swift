import TestSupport
import CVips
import Foundation

@testable import Imaging

/// Builds encoded test images with libvips itself (through CVips), keeping
/// metadata (strip off) so that stripping can be tested.
enum Fixture {
    enum Saver: Int32 {
        case jpeg = 0, png, webp, gif, heif
    }

    static func image(_ raster: Raster) throws -> VipsImage {
        try VipsRuntime.start()
        return try raster.pixels.withUnsafeBytes { buffer in
            try Vips.image(ImagingError.operationFailed) {
                cvips_from_pixels(
                    buffer.baseAddress, buffer.count, Int32(raster.width), Int32(raster.height),
                    Int32(raster.bands))
            }
        }
    }

    static func encode(
        _ image: VipsImage, _ saver: Saver, quality: Int = 90, progressive: Bool = false
    ) throws -> Data {
        try image.save(saver.rawValue, quality: quality, progressive: progressive, strip: false)
    }

    static func encode(
        _ raster: Raster, _ saver: Saver, quality: Int = 90, progressive: Bool = false
    ) throws -> Data {
        try encode(image(raster), saver, quality: quality, progressive: progressive)
    }

    /// A private copy carrying an EXIF blob (and the matching orientation field).
    static func withExif(_ image: VipsImage, _ exif: ExifBlob, xmp: Bool = false) throws -> VipsImage {
        let copy = try image.copy()
        let blob = exif.bytes
        blob.withUnsafeBytes { cvips_set_blob(copy.pointer, "exif-data", $0.baseAddress, $0.count) }
        cvips_set_int(copy.pointer, "orientation", Int32(exif.orientation))
        if xmp {
            XMPPacket.bytes.withUnsafeBytes {
                cvips_set_blob(copy.pointer, "xmp-data", $0.baseAddress, $0.count)
            }
        }
        return copy
    }

    static func colourspace(_ image: VipsImage, _ nick: String) throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) { cvips_colourspace(image.pointer, nick) }
    }

    /// An animated (multi-page) image: pages stacked with "page-height".
    static func pages(_ rasters: [Raster]) throws -> VipsImage {
        let images = try rasters.map(image)
        var pointers: [OpaquePointer?] = images.map(\.pointer)
        return try withExtendedLifetime(images) {
            try Vips.image(ImagingError.operationFailed) {
                cvips_join_pages(&pointers, Int32(pointers.count))
            }
        }
    }

    /// Metadata field names of encoded bytes, as libvips' loader reports them.
    static func metadataFields(_ data: Data) throws -> [String] {
        try data.withUnsafeBytes { buffer in
            try VipsImage.load(buffer, strictness: .lenient, sequential: true).metadataFieldNames
        }
    }

    /// Whether this libvips/libheif can write HEIC (x265 encoder present).
    static let canWriteHEIC: Bool = {
        guard let data = try? encode(Raster.solid(.red, width: 16, height: 16), .heif) else {
            return false
        }
        return (try? ImageProbe.probe(data).format) == .heif
    }()
}

extension Data {
    func contains(_ pattern: [UInt8]) -> Bool {
        guard !pattern.isEmpty, count >= pattern.count else { return false }
        return range(of: Data(pattern)) != nil
    }

    /// Case-insensitive ASCII search.
    func containsASCII(_ text: String) -> Bool {
        let needle = Array(text.lowercased().utf8)
        let haystack = map { (65...90).contains($0) ? $0 + 32 : $0 }
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count)
        where haystack[start] == needle[0] && Array(haystack[start..<start + needle.count]) == needle {
            return true
        }
        return false
    }
}

extension RGBPixels {
    func colour(_ x: Int, _ y: Int) -> Colour {
        let value = self[x, y]
        return Colour(red: value.red, green: value.green, blue: value.blue)
    }

    /// Colours at the centres of the four quadrants: TL, TR, BL, BR.
    var quadrantCentres: [Colour] {
        [
            colour(width / 4, height / 4), colour(3 * width / 4, height / 4),
            colour(width / 4, 3 * height / 4), colour(3 * width / 4, 3 * height / 4),
        ]
    }
}

/// Decodes encoded test output back to RGB pixels (full size).
func decodeRGB(_ data: Data) throws -> RGBPixels {
    let decoded = try DecodedImage(data, maxDimension: 100_000)
    return try decoded.rgb(maxDimension: 100_000)
}

let expectedQuadrants: [Colour] = [.red, .blue, .green, .yellow]

func matchesQuadrants(_ colours: [Colour]) -> Bool {
    zip(colours, expectedQuadrants).allSatisfy { $0.isClose(to: $1) }
}
