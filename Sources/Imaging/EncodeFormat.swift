import FacepipeCore
import CVips

/// Output encodings. Every output is stripped of all metadata.
public enum EncodeFormat: Sendable, Hashable {
    /// Quality 1...100. Alpha is flattened onto white.
    case jpeg(quality: Int = 85, progressive: Bool = false)
    case png
    /// Quality 1...100 (lossy).
    case webp(quality: Int = 80)

    public var mediaType: MediaType {
        switch self {
        case .jpeg: .jpeg
        case .png: .png
        case .webp: .webp
        }
    }

    public var mimeType: String { mediaType.mimeType }

    /// The extension of a stored output.
    public var fileExtension: String { mediaType.fileExtension }

    /// A copy that keeps its original's format where facepipe writes it (JPEG, PNG, WebP), and
    /// WebP otherwise (GIF would lose colours to its palette; HEIC/AVIF are not written).
    public static func preserving(_ original: MediaType?, quality: Int) -> EncodeFormat {
        switch original {
        case .jpeg: .jpeg(quality: quality)
        case .png: .png
        default: .webp(quality: quality)
        }
    }

    var saver: Int32 {
        switch self {
        case .jpeg: Int32(CVIPS_SAVE_JPEG)
        case .png: Int32(CVIPS_SAVE_PNG)
        case .webp: Int32(CVIPS_SAVE_WEBP)
        }
    }

    var quality: Int {
        switch self {
        case .jpeg(let quality, _), .webp(let quality): quality
        case .png: 100
        }
    }

    var progressive: Bool {
        if case .jpeg(_, let progressive) = self { return progressive }
        return false
    }
}
