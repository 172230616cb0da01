import Foundation

/// Every kind of file facepipe reads, stores or serves: its MIME type, the extension its stored
/// files get, the names and declared types a client may use for it, and its magic bytes. Uploads,
/// documents, the decoder, the encoder and the media route all speak this one enum.
public enum MediaType: String, Sendable, Codable, CaseIterable {
    case jpeg, png, webp, gif
    /// HEIF with HEVC inside: iPhones' HEIC photos.
    case heif
    /// HEIF with AV1 inside (decoded, never accepted as an upload).
    case avif
    case tiff, pdf

    /// The image formats an upload may be (recognised from magic bytes, never from the name).
    public static let uploadableImages: [MediaType] = [.jpeg, .png, .webp, .gif, .heif]
    /// What the documents route accepts: PDF and TIFF, and single-page JPEG/PNG scans.
    public static let documents: [MediaType] = [.pdf, .tiff, .jpeg, .png]

    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .gif: "image/gif"
        case .heif: "image/heic"
        case .avif: "image/avif"
        case .tiff: "image/tiff"
        case .pdf: "application/pdf"
        }
    }

    /// The extension of files facepipe stores in this format.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .heif: "heic"
        case .tiff: "tif"
        default: rawValue
        }
    }

    /// File-name extensions a client may use for this format.
    public var allowedExtensions: Set<String> {
        switch self {
        case .jpeg: ["jpg", "jpeg", "jpe", "jfif"]
        case .heif: ["heic", "heif", "hif"]
        case .tiff: ["tif", "tiff"]
        default: [rawValue]
        }
    }

    /// MIME types a client may declare for this format.
    public var allowedMimeTypes: Set<String> {
        switch self {
        case .jpeg: ["image/jpeg", "image/jpg", "image/pjpeg"]
        case .heif: ["image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"]
        default: [mimeType]
        }
    }

    /// The format a MIME type names (any of the names clients use), or nil.
    public init?(mimeType: String) {
        let bare = mimeType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard let type = Self.allCases.first(where: { $0.allowedMimeTypes.contains(bare) }) else { return nil }
        self = type
    }

    /// The format a file-name extension names, or nil.
    public init?(fileExtension: String) {
        let ext = fileExtension.lowercased()
        guard let type = Self.allCases.first(where: { $0.allowedExtensions.contains(ext) }) else { return nil }
        self = type
    }

    /// An uploadable image recognised from the first bytes of a file (16 are enough).
    public static func sniffImage(_ head: some Collection<UInt8>) -> MediaType? {
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
            if ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"].contains(brand) { return .heif }
        }
        return nil
    }

    /// A document recognised from the first bytes of the file. A PDF's header may follow up to
    /// 1024 bytes of junk (readers accept that); TIFF is `II*\0` or `MM\0*`.
    public static func sniffDocument(_ head: some Collection<UInt8>) -> MediaType? {
        let bytes = Array(head.prefix(1024))
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        let marker = Array("%PDF-".utf8)
        if bytes.count >= marker.count, (0...(bytes.count - marker.count)).contains(where: { Array(bytes[$0..<$0 + marker.count]) == marker }) {
            return .pdf
        }
        return nil
    }

    /// Refuses a file whose name says another format (415 `extension_mismatch`).
    public func checkName(_ filename: String?) throws(APIError) {
        guard let filename, let dot = filename.lastIndex(of: ".") else { return }
        let ext = filename[filename.index(after: dot)...].lowercased()
        guard allowedExtensions.contains(ext) else {
            throw APIError(status: 415, code: "extension_mismatch",
                           message: "the file is \(mimeType) but its name ends in .\(ext)")
        }
    }
}
