import Foundation

/// Checks a client's file name and declared type against the sniffed format.
///
/// The bytes decide the type. A name or declared type that names *another accepted* format is
/// common and harmless (photos saved from messengers as `.jpg` that are really WebP): the file is
/// taken under its real type and the disagreement is returned for the timeline. A name or
/// declared type outside the accepted formats (`.php`, `text/html`) is refused: that is how
/// polyglots and mislabelled files are smuggled.
public enum UploadTypeCheck {
    public struct Accepted: Sendable, Equatable {
        public var type: MediaType
        /// What the client claimed, when it named another accepted format ("extension .jpg").
        public var claimed: String?
    }

    public static func check(sniffed: MediaType?, filename: String?, declaredMimeType: String?) throws -> Accepted {
        guard let sniffed else {
            throw APIError(status: 415, code: "unsupported_type",
                           message: "file is not a supported image (JPEG, PNG, WebP, GIF or HEIC)")
        }
        var claimed: [String] = []
        if let filename, let dot = filename.lastIndex(of: "."), dot != filename.startIndex {
            let ext = filename[filename.index(after: dot)...].lowercased()
            if !sniffed.allowedExtensions.contains(ext) {
                guard MediaType.uploadableImages.contains(where: { $0.allowedExtensions.contains(ext) }) else {
                    throw APIError(status: 415, code: "extension_mismatch",
                                   message: "file name extension .\(ext) is not an accepted image type (the content is \(sniffed.rawValue))")
                }
                claimed.append("extension .\(ext)")
            }
        }
        if let declared = declaredMimeType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(),
           !declared.isEmpty, declared != "application/octet-stream", !sniffed.allowedMimeTypes.contains(declared)
        {
            guard MediaType.uploadableImages.contains(where: { $0.allowedMimeTypes.contains(declared) }) else {
                throw APIError(status: 415, code: "type_mismatch",
                               message: "declared type \(declared) is not an accepted image type (the content is \(sniffed.mimeType))")
            }
            claimed.append("type \(declared)")
        }
        return Accepted(type: sniffed, claimed: claimed.isEmpty ? nil : claimed.joined(separator: ", "))
    }
}
