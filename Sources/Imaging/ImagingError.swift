/// Failures of the Imaging module. Messages come from libvips' error buffer.
public enum ImagingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// libvips could not be initialised.
    case startupFailed(String)
    /// Not a JPEG, PNG, WebP, GIF or HEIF/AVIF image (or empty input).
    case unsupportedFormat
    /// The header or the pixels could not be decoded (corrupt, truncated).
    case invalidImage(String)
    /// The image is larger than the `ImageLimits` in force.
    case tooLarge(width: Int, height: Int)
    /// Resizing, colour conversion or encoding failed.
    case operationFailed(String)
    /// A caller passed an impossible value (zero size, quality 0, …).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .startupFailed(let message): "libvips start-up failed: \(message)"
        case .unsupportedFormat: "unsupported image format"
        case .invalidImage(let message): "invalid image: \(message)"
        case .tooLarge(let width, let height): "image too large: \(width)×\(height)"
        case .operationFailed(let message): "image operation failed: \(message)"
        case .invalidArgument(let message): "invalid argument: \(message)"
        }
    }
}
