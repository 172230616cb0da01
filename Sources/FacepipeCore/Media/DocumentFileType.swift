import Foundation

/// What the documents route accepts, recognised from magic bytes (never from the name or the
/// declared type, which must only agree): PDF and TIFF, and single-page JPEG/PNG scans.
public enum DocumentFileType: String, Sendable, Codable, CaseIterable {
    case pdf, tiff, jpeg, png

    public var mimeType: String {
        switch self {
        case .pdf: "application/pdf"
        case .tiff: "image/tiff"
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        }
    }

    public var fileExtension: String {
        switch self {
        case .pdf: "pdf"
        case .tiff: "tif"
        case .jpeg: "jpg"
        case .png: "png"
        }
    }

    public var allowedExtensions: Set<String> {
        switch self {
        case .pdf: ["pdf"]
        case .tiff: ["tif", "tiff"]
        case .jpeg: ["jpg", "jpeg", "jpe", "jfif"]
        case .png: ["png"]
        }
    }

    /// From the first bytes of the file. A PDF's header may follow up to 1024 bytes of junk
    /// (readers accept that); TIFF is `II*\0` or `MM\0*`.
    public static func sniff(_ head: some Collection<UInt8>) -> DocumentFileType? {
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
