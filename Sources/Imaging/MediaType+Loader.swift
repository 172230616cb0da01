import FacepipeCore

/// The container formats Imaging decodes are `MediaType`s (all other libvips loaders are
/// blocked): JPEG, PNG, WebP, GIF, HEIF and AVIF.
extension MediaType {
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
