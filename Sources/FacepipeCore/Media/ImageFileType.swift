import Foundation

/// The image formats facepipe accepts, recognised from their magic bytes, never from the
/// client's file name or Content-Type (those are only checked for agreement).
public enum ImageFileType: String, Sendable, Codable, CaseIterable {
    case jpeg, png, webp, gif, heic

    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .gif: "image/gif"
        case .heic: "image/heic"
        }
    }

    /// The extension used for stored originals.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .heic: "heic"
        default: rawValue
        }
    }

    /// File-name extensions a client may use for this format.
    public var allowedExtensions: Set<String> {
        switch self {
        case .jpeg: ["jpg", "jpeg", "jpe", "jfif"]
        case .png: ["png"]
        case .webp: ["webp"]
        case .gif: ["gif"]
        case .heic: ["heic", "heif", "hif"]
        }
    }

    /// MIME types a client may declare for this format.
    public var allowedMimeTypes: Set<String> {
        switch self {
        case .jpeg: ["image/jpeg", "image/jpg", "image/pjpeg"]
        case .png: ["image/png"]
        case .webp: ["image/webp"]
        case .gif: ["image/gif"]
        case .heic: ["image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"]
        }
    }

    /// Recognises a format from the first bytes of a file (16 are enough).
    public static func sniff(_ head: some Collection<UInt8>) -> ImageFileType? {
        let bytes = Array(head.prefix(16))
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<offset + prefix.count]) == prefix
        }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        // ISO-BMFF: size, "ftyp", then a HEIF brand.
        if starts(Array("ftyp".utf8), at: 4) && bytes.count >= 12 {
            let brand = String(decoding: bytes[8..<12], as: UTF8.self)
            if ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"].contains(brand) { return .heic }
        }
        return nil
    }
}

/// Checks a client's file name and declared type against the sniffed format.
///
/// The bytes decide the type. A name or declared type that names *another accepted* format is
/// common and harmless (photos saved from messengers as `.jpg` that are really WebP): the file is
/// taken under its real type and the disagreement is returned for the timeline. A name or
/// declared type outside the accepted formats (`.php`, `text/html`) is refused: that is how
/// polyglots and mislabelled files are smuggled.
public enum UploadTypeCheck {
    public struct Accepted: Sendable, Equatable {
        public var type: ImageFileType
        /// What the client claimed, when it named another accepted format ("extension .jpg").
        public var claimed: String?
    }

    public static func check(sniffed: ImageFileType?, filename: String?, declaredMimeType: String?) throws -> Accepted {
        guard let sniffed else {
            throw APIError(status: 415, code: "unsupported_type",
                           message: "file is not a supported image (JPEG, PNG, WebP, GIF or HEIC)")
        }
        var claimed: [String] = []
        if let filename, let dot = filename.lastIndex(of: "."), dot != filename.startIndex {
            let ext = filename[filename.index(after: dot)...].lowercased()
            if !sniffed.allowedExtensions.contains(ext) {
                guard ImageFileType.allCases.contains(where: { $0.allowedExtensions.contains(ext) }) else {
                    throw APIError(status: 415, code: "extension_mismatch",
                                   message: "file name extension .\(ext) is not an accepted image type (the content is \(sniffed.rawValue))")
                }
                claimed.append("extension .\(ext)")
            }
        }
        if let declared = declaredMimeType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(),
           !declared.isEmpty, declared != "application/octet-stream", !sniffed.allowedMimeTypes.contains(declared)
        {
            guard ImageFileType.allCases.contains(where: { $0.allowedMimeTypes.contains(declared) }) else {
                throw APIError(status: 415, code: "type_mismatch",
                               message: "declared type \(declared) is not an accepted image type (the content is \(sniffed.mimeType))")
            }
            claimed.append("type \(declared)")
        }
        return Accepted(type: sniffed, claimed: claimed.isEmpty ? nil : claimed.joined(separator: ", "))
    }
}
