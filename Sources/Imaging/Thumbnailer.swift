import CVips
import Foundation

/// One-shot thumbnails straight from encoded bytes, with shrink-on-load
/// (a 12 MP JPEG is decoded at 1/2, 1/4 or 1/8 scale).
public enum Thumbnailer {
    /// First page/frame only, EXIF-upright, CMYK/16-bit converted to 8-bit
    /// sRGB, metadata stripped. The header is checked against `limits` before
    /// anything is decoded.
    public static func thumbnail(
        _ bytes: some ContiguousBytes, _ spec: ThumbnailSpec,
        as format: EncodeFormat = .webp(), limits: ImageLimits = .default,
        strictness: DecodeStrictness = .truncated
    ) throws -> EncodedImage {
        let spec = try spec.validated()
        return try bytes.withUnsafeBytes { buffer in
            try limits.check(try ImageProbe.probe(buffer: buffer).header)
            let image = try VipsImage.thumbnail(
                buffer, width: spec.width, height: spec.height, cropCentre: spec.fit == .cover,
                size: Int32(CVIPS_SIZE_DOWN), strictness: strictness)
            // Render the (small) thumbnail before encoding, so that damaged
            // input surfaces as `invalidImage`, not as an encoder failure.
            return try Encoder.encode(image.inMemory(), as: format)
        }
    }
}
