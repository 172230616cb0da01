/// The container formats Imaging accepts (all other libvips loaders are blocked).
public enum ImageFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case jpeg, png, webp, gif, heif, avif

    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .gif: "image/gif"
        case .heif: "image/heif"
        case .avif: "image/avif"
        }
    }

    /// From a libvips loader nickname ("jpegload_buffer", "heifload", …).
    /// HEIF and AVIF share a loader; `heifCompression` ("hevc"/"av1") tells them apart.
    init?(loader: String, heifCompression: String?) {
        var base = Substring(loader)
        for suffix in ["_buffer", "_source"] where base.hasSuffix(suffix) {
            base = base.dropLast(suffix.count)
        }
        switch base {
        case "jpegload": self = .jpeg
        case "pngload": self = .png
        case "webpload": self = .webp
        case "gifload": self = .gif
        case "heifload": self = heifCompression == "av1" ? .avif : .heif
        default: return nil
        }
    }
}
