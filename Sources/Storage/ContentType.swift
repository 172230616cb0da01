import FacepipeCore

/// Content types by extension, for the formats facepipe stores (`MediaType`). Anything else is served as
/// opaque bytes so a browser never sniffs it into something executable.
public enum ContentType {
    public static let fallback = "application/octet-stream"

    public static func forExtension(_ ext: String) -> String {
        // A PDF stays opaque bytes: served inline, a browser's viewer would run it on our origin.
        if let type = MediaType(fileExtension: ext), type != .pdf { return type.mimeType }
        return switch ext.lowercased() {
        case "json": "application/json"
        case "txt": "text/plain; charset=utf-8"
        default: fallback
        }
    }

    public static func forKey(_ key: MediaKey) -> String { forExtension(key.pathExtension) }
}
