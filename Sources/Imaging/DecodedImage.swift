import CVips
import Foundation

/// An upload decoded once — first page, EXIF-upright, 8-bit sRGB (alpha kept),
/// shrunk on load so its long side is at most `maxDimension`, metadata
/// removed — held in memory to produce several thumbnails, hash inputs and
/// detector pixels without decoding the file again.
///
/// Sendable: immutable; the pixels live in memory and libvips reads them from
/// any thread.
public final class DecodedImage: Sendable {
    /// The header of the original upload.
    public let source: ImageHeader
    /// Size of the decoded (possibly reduced) upright image.
    public let width: Int
    public let height: Int
    public let hasAlpha: Bool
    let image: VipsImage

    /// Decodes `bytes` after checking the header against `limits`.
    public init(
        _ bytes: some ContiguousBytes, maxDimension: Int = 1024,
        limits: ImageLimits = .default, strictness: DecodeStrictness = .truncated
    ) throws {
        guard maxDimension >= 1 else {
            throw ImagingError.invalidArgument("maxDimension \(maxDimension)")
        }
        (source, image) = try bytes.withUnsafeBytes { buffer in
            let header = try ImageProbe.probe(buffer: buffer).header
            try limits.check(header)
            let loaded = try VipsImage.thumbnail(
                buffer, width: maxDimension, height: maxDimension, cropCentre: false,
                size: Int32(CVIPS_SIZE_DOWN), strictness: strictness)
            return (header, try loaded.srgb8().inMemory().withoutMetadata())
        }
        let header = image.header
        width = Int(header.width)
        height = Int(header.height)
        hasAlpha = header.has_alpha != 0
    }

    /// A thumbnail of the decoded image (no shrink-on-load: already decoded).
    public func thumbnail(_ spec: ThumbnailSpec, as format: EncodeFormat = .webp()) throws
        -> EncodedImage
    {
        let spec = try spec.validated()
        let resized = try image.thumbnail(
            width: spec.width, height: spec.height, cropCentre: spec.fit == .cover,
            size: Int32(CVIPS_SIZE_DOWN))
        return try Encoder.encode(resized, as: format)
    }

    /// The decoded image itself, encoded.
    public func encoded(as format: EncodeFormat) throws -> EncodedImage {
        try Encoder.encode(image, as: format)
    }

    /// Luma resized to exactly `width` × `height` (aspect ratio not kept), for
    /// aHash/dHash/pHash-style hashes (8×8, 9×8, 32×32, …). Luma is computed
    /// first at the decoded size (like PIL's `convert("L")` before `resize`),
    /// then resized by libvips' thumbnail with `size=force`: an integer box
    /// pre-shrink followed by a Lanczos-3 reduction.
    public func luma(width: Int, height: Int) throws -> GrayPixels {
        guard width >= 1, height >= 1 else {
            throw ImagingError.invalidArgument("luma size \(width)×\(height)")
        }
        let resized = try image.flattened().luma().thumbnail(
            width: width, height: height, cropCentre: false, size: Int32(CVIPS_SIZE_FORCE))
        return try GrayPixels(resized)
    }

    /// Luma scaled (never enlarged) so its long side is at most `maxDimension`,
    /// aspect ratio kept: the input for PDQ (which downsamples it itself).
    public func luma(maxDimension: Int = 512) throws -> GrayPixels {
        guard maxDimension >= 1 else {
            throw ImagingError.invalidArgument("maxDimension \(maxDimension)")
        }
        let resized = try image.flattened().luma().thumbnail(
            width: maxDimension, height: maxDimension, cropCentre: false,
            size: Int32(CVIPS_SIZE_DOWN))
        return try GrayPixels(resized)
    }

    /// RGB pixels scaled (never enlarged) so the long side is at most
    /// `maxDimension`, for the face detector.
    public func rgb(maxDimension: Int) throws -> RGBPixels {
        guard maxDimension >= 1 else {
            throw ImagingError.invalidArgument("maxDimension \(maxDimension)")
        }
        let resized = try image.flattened().thumbnail(
            width: maxDimension, height: maxDimension, cropCentre: false,
            size: Int32(CVIPS_SIZE_DOWN))
        let header = resized.header
        let pixels = try resized.pixelBytes()
        guard header.bands == 3, pixels.count == Int(header.width * header.height) * 3 else {
            throw ImagingError.operationFailed("expected 3-band pixels, got \(header.bands) bands")
        }
        return RGBPixels(width: Int(header.width), height: Int(header.height), pixels: pixels)
    }
}

extension GrayPixels {
    init(_ image: VipsImage) throws {
        let header = image.header
        let pixels = try image.pixelBytes()
        guard header.bands == 1, pixels.count == Int(header.width * header.height) else {
            throw ImagingError.operationFailed("expected 1-band pixels, got \(header.bands) bands")
        }
        self.init(width: Int(header.width), height: Int(header.height), pixels: pixels)
    }
}
