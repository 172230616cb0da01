import Foundation

/// Full-decode validation: every pixel of the first page is decoded with the
/// loader set to fail on damage, so truncated or corrupt files are caught
/// (plain libvips only warns about a truncated JPEG and fills in grey).
public enum ImageValidator {
    /// Returns the header of a valid image; throws `unsupportedFormat`,
    /// `tooLarge` (checked before decoding) or `invalidImage`.
    @discardableResult
    public static func validate(
        _ bytes: some ContiguousBytes, strictness: DecodeStrictness = .truncated,
        limits: ImageLimits = .default
    ) throws -> ImageHeader {
        try bytes.withUnsafeBytes { buffer in
            let header = try ImageProbe.probe(buffer: buffer).header
            try limits.check(header)
            let image = try VipsImage.load(buffer, strictness: strictness, sequential: true)
            try image.touchAllPixels()
            return header
        }
    }

    /// The same for a file on disk.
    @discardableResult
    public static func validate(
        fileAt path: String, strictness: DecodeStrictness = .truncated,
        limits: ImageLimits = .default
    ) throws -> ImageHeader {
        let header = try ImageProbe.probe(fileAt: path)
        try limits.check(header)
        let image = try VipsImage.load(path: path, strictness: strictness, sequential: true)
        try image.touchAllPixels()
        return header
    }
}
