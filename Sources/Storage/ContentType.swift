/// Content types by extension, for the formats facepipe stores. Anything else is served as
/// opaque bytes so a browser never sniffs it into something executable.
public enum ContentType {
    public static let fallback = "application/octet-stream"

    public static func forExtension(_ ext: String) -> String {
        switch ext.lowercased() {
        case "jpg", "jpeg": "image/jpeg"
        case "png": "image/png"
        case "webp": "image/webp"
        case "gif": "image/gif"
        case "heic": "image/heic"
        case "heif": "image/heif"
        case "avif": "image/avif"
        case "tif", "tiff": "image/tiff"
        case "bmp": "image/bmp"
        case "json": "application/json"
        case "txt": "text/plain; charset=utf-8"
        default: fallback
        }
    }

    public static func forKey(_ key: MediaKey) -> String { forExtension(key.pathExtension) }
}
