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

    /// Where a square tile of a non-square picture is cut.
    public enum SquareFocus: Sendable, Equatable {
        /// The middle (as before faces were known).
        case centre
        /// libvips' attention crop: for pictures with no face.
        case attention
        /// Around this point, in this image's pixels (the middle of the faces found), as far as
        /// the picture allows.
        case point(x: Double, y: Double)
    }

    /// Square thumbnails of several sides cut at `focus`, each resized from the next larger one
    /// (the 150 px one from the 300 px one, …: each step reads a small image, not the decoded
    /// one). A side larger than the short side gives the largest square.
    public func squareThumbnails(sides: [Int], focus: SquareFocus = .centre, as format: EncodeFormat = .webp()) throws
        -> [Int: EncodedImage]
    {
        var source = image
        var result: [Int: EncodedImage] = [:]
        let short = min(width, height)
        if case .point(let x, let y) = focus, width != height {
            // The largest square holding the point near its middle; then every size is a resize.
            let left = min(max(0, Int(x.rounded()) - short / 2), width - short)
            let top = min(max(0, Int(y.rounded()) - short / 2), height - short)
            source = try image.extract(left: left, top: top, width: short, height: short).inMemory()
        }
        for (index, side) in Set(sides).sorted(by: >).enumerated() {
            let spec = try ThumbnailSpec.cover(width: min(side, width, height), height: min(side, width, height)).validated()
            if index == 0, focus == .attention, width != height {
                source = try source.attentionSquare(side: spec.width, size: Int32(CVIPS_SIZE_DOWN)).inMemory()
            } else {
                source = try source.thumbnail(width: spec.width, height: spec.height, cropCentre: true, size: Int32(CVIPS_SIZE_DOWN)).inMemory()
            }
            result[side] = try Encoder.encode(source, as: format)
        }
        return result
    }

    /// A thumbnail of a rectangle of the decoded image (clipped to it): face crops without
    /// copying the whole image out of libvips.
    public func region(x: Int, y: Int, width: Int, height: Int, _ spec: ThumbnailSpec, as format: EncodeFormat = .webp()) throws -> EncodedImage {
        let spec = try spec.validated()
        let left = min(max(0, x), self.width - 1), top = min(max(0, y), self.height - 1)
        let width = max(1, min(width, self.width - left)), height = max(1, min(height, self.height - top))
        let area = try image.extract(left: left, top: top, width: width, height: height)
        let resized = try area.thumbnail(width: spec.width, height: spec.height, cropCentre: spec.fit == .cover, size: Int32(CVIPS_SIZE_DOWN))
        return try Encoder.encode(resized, as: format)
    }

    /// The decoded image itself, encoded.
    public func encoded(as format: EncodeFormat) throws -> EncodedImage {
        try Encoder.encode(image, as: format)
    }

    /// The luma plane at the decoded size, rendered once: several hash inputs are taken from
    /// it without converting the colour image again for each.
    public func lumaPlane() throws -> LumaPlane {
        try LumaPlane(image.flattened().luma().inMemory())
    }

    /// Luma resized to exactly `width` × `height` (see `LumaPlane.resized`).
    public func luma(width: Int, height: Int) throws -> GrayPixels {
        try lumaPlane().resized(width: width, height: height)
    }

    /// Luma scaled so its long side is at most `maxDimension` (see `LumaPlane.fitting`).
    public func luma(maxDimension: Int = 512) throws -> GrayPixels {
        try lumaPlane().fitting(maxDimension: maxDimension)
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

/// One band of luma, round(0.299 R′ + 0.587 G′ + 0.114 B′) of the 8-bit sRGB values (alpha
/// composited over white), held in memory. Sendable: immutable.
public final class LumaPlane: Sendable {
    let image: VipsImage
    public var width: Int { Int(image.header.width) }
    public var height: Int { Int(image.header.height) }

    init(_ image: VipsImage) { self.image = image }

    /// Resized to exactly `width` × `height` (aspect ratio not kept), for aHash/dHash/pHash-style
    /// hashes (8×8, 9×8, 32×32, …): luma first, then resize (like PIL's `convert("L")` before
    /// `resize`), by libvips' thumbnail with `size=force`: an integer box pre-shrink followed by
    /// a Lanczos-3 reduction.
    public func resized(width: Int, height: Int) throws -> GrayPixels {
        guard width >= 1, height >= 1 else {
            throw ImagingError.invalidArgument("luma size \(width)×\(height)")
        }
        return try GrayPixels(image.thumbnail(width: width, height: height, cropCentre: false, size: Int32(CVIPS_SIZE_FORCE)))
    }

    /// Scaled (never enlarged) so the long side is at most `maxDimension`, aspect ratio kept:
    /// the input for PDQ (which downsamples it itself).
    public func fitting(maxDimension: Int = 512) throws -> GrayPixels {
        try shrunk(maxDimension: maxDimension).pixels()
    }

    /// The plane scaled (never enlarged) so the long side is at most `maxDimension`, in memory:
    /// small hash inputs resized from it read a quarter of the pixels a 1000 px plane has.
    public func shrunk(maxDimension: Int) throws -> LumaPlane {
        guard maxDimension >= 1 else {
            throw ImagingError.invalidArgument("maxDimension \(maxDimension)")
        }
        if max(width, height) <= maxDimension { return self }
        return LumaPlane(try image.thumbnail(width: maxDimension, height: maxDimension, cropCentre: false, size: Int32(CVIPS_SIZE_DOWN)).inMemory())
    }

    public func pixels() throws -> GrayPixels { try GrayPixels(image) }

    /// Left and right swapped: the hash input of a mirrored copy, for finding re-posts that
    /// flipped a photo (every hash here changes completely under a mirror).
    public func mirrored() throws -> LumaPlane { LumaPlane(try image.mirrored().inMemory()) }

    /// The part of the plane given in fractions of its sides (x and width of the width, y and
    /// height of the height), in memory; at least one pixel each way.
    public func region(x: Double, y: Double, width share: Double, height heightShare: Double) throws -> LumaPlane {
        let left = min(width - 1, max(0, Int((Double(width) * x).rounded()))), top = min(height - 1, max(0, Int((Double(height) * y).rounded())))
        let w = max(1, min(width - left, Int((Double(width) * share).rounded())))
        let h = max(1, min(height - top, Int((Double(height) * heightShare).rounded())))
        if left == 0, top == 0, w == width, h == height { return self }
        return LumaPlane(try image.extract(left: left, top: top, width: w, height: h).inMemory())
    }

    /// Turned by `degrees` on a canvas grown to hold it, the corners black: what a re-post
    /// tool's "rotate" makes of this image.
    public func rotated(degrees: Double) throws -> LumaPlane { LumaPlane(try image.rotated(degrees: degrees).inMemory()) }

    /// The inverse of `rotated(degrees:)` (of some original): turned back, and only the
    /// centre region the original covered kept. Its size follows from this canvas: a W × H
    /// image turned by θ fills W cos θ + H sin θ by W sin θ + H cos θ. When the plane was not
    /// turned by about `degrees` this is just a slightly turned crop of it (a lookup key
    /// that finds nothing).
    public func straightened(degrees: Double) throws -> LumaPlane {
        let angle = abs(degrees) * .pi / 180, c = cos(angle), s = sin(angle), det = c * c - s * s
        let w = Double(width), h = Double(height)
        let originalWidth = Int(((c * w - s * h) / det).rounded(.down)), originalHeight = Int(((c * h - s * w) / det).rounded(.down))
        guard det > 0.5, originalWidth >= 16, originalHeight >= 16 else { return self }
        let back = try image.rotated(degrees: -degrees)
        let (bw, bh) = (Int(back.header.width), Int(back.header.height))
        let (cw, ch) = (min(originalWidth, bw), min(originalHeight, bh))
        return LumaPlane(try back.extract(left: (bw - cw) / 2, top: (bh - ch) / 2, width: cw, height: ch).inMemory())
    }
}
