import CVips
import Foundation

/// Pages of an evidence document (PDF through poppler, multi-page TIFF through libtiff), read
/// and rendered one at a time. Nothing of the document but its pixels reaches an output: a page
/// becomes 8-bit sRGB pixels and is encoded by `Encoder`, which writes no metadata (so a PDF's
/// title, author, creator and producer, or TIFF tags, never leave the original).
///
/// Limits are the caller's (`DocumentLimits`): the page count is read from the first page's
/// header before any page is rendered, and every page's size is checked before its pixels are.
/// Threading: like every libvips call here, run it on `ImagingThreads`.
public enum DocumentPages {
    public enum Kind: Sendable, Hashable {
        case pdf, tiff

        var code: Int32 { self == .pdf ? Int32(CVIPS_DOCUMENT_PDF) : Int32(CVIPS_DOCUMENT_TIFF) }
    }

    /// A page's size: for PDF in points (1/72 inch, as the media box says), for TIFF in pixels.
    public struct PageSize: Sendable, Equatable {
        public var width: Double
        public var height: Double
    }

    /// Every page's size, after checking the count against `maxPages`.
    public static func probe(_ bytes: Data, kind: Kind, maxPages: Int) throws -> [PageSize] {
        let first = try load(bytes, kind: kind, page: 0, dpi: 72)
        let count = pageCount(first)
        guard count <= maxPages else { throw DocumentError.tooManyPages(count, limit: maxPages) }
        var sizes = [size(first)]
        for page in 1..<max(1, count) {
            sizes.append(size(try load(bytes, kind: kind, page: page, dpi: 72)))
        }
        return sizes
    }

    /// One page's size (0-based), from its header only.
    public static func pageSize(_ bytes: Data, kind: Kind, page: Int) throws -> PageSize {
        size(try load(bytes, kind: kind, page: page, dpi: 72))
    }

    /// The resolution a PDF page is rendered at: `dpi`, lowered so the long side fits
    /// `maxDimension` pixels. Pages so large that this falls below 9 dpi (a media box over
    /// 2.7 m at the default limits) are refused: their text would be unreadable anyway.
    public static func renderDPI(for page: PageSize, dpi: Double, maxDimension: Int) throws -> Double {
        let longSide = max(page.width, page.height, 1)
        let fitted = min(dpi, Double(maxDimension) * 72 / longSide)
        guard fitted >= 9 else { throw DocumentError.pageTooLarge(width: page.width, height: page.height) }
        return fitted
    }

    /// One page (0-based) as a lossless, metadata-free PNG of 8-bit sRGB pixels. PDF pages are
    /// rendered at `dpi`; TIFF pages are taken at their size, which `limits` must allow.
    public static func render(_ bytes: Data, kind: Kind, page: Int, dpi: Double, limits: ImageLimits) throws -> EncodedImage {
        let image = try load(bytes, kind: kind, page: page, dpi: dpi)
        let header = image.header
        let width = Int(header.width), height = Int(header.height)
        guard width <= limits.maxWidth, height <= limits.maxHeight, width * height <= limits.maxPixels else {
            throw ImagingError.tooLarge(width: width, height: height)
        }
        return try Encoder.encode(try image.srgb8().inMemory().withoutMetadata(), as: .png)
    }

    static func load(_ bytes: Data, kind: Kind, page: Int, dpi: Double) throws -> VipsImage {
        do {
            return try bytes.withUnsafeBytes { buffer in
                try Vips.image(ImagingError.invalidImage) {
                    cvips_load_document(buffer.baseAddress, buffer.count, kind.code, Int32(page), dpi,
                                        DecodeStrictness.truncated.rawValue)
                }
            }
        } catch ImagingError.invalidImage(let message) {
            let lowered = message.lowercased()
            if lowered.contains("encrypt") || lowered.contains("password") { throw DocumentError.encrypted }
            throw DocumentError.unreadable(message)
        }
    }

    static func pageCount(_ image: VipsImage) -> Int { max(1, Int(image.header.pages)) }

    static func size(_ image: VipsImage) -> PageSize {
        let header = image.header
        return PageSize(width: Double(header.width), height: Double(header.height))
    }
}

public enum DocumentError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooManyPages(Int, limit: Int)
    case pageTooLarge(width: Double, height: Double)
    case encrypted
    case unreadable(String)

    public var description: String {
        switch self {
        case .tooManyPages(let count, let limit): "the document has \(count) pages; the limit is \(limit)"
        case .pageTooLarge(let width, let height): "a page is \(Int(width))×\(Int(height)) points, too large to render"
        case .encrypted: "the document is encrypted (password-protected)"
        case .unreadable(let message): "the document cannot be read: \(message)"
        }
    }
}
