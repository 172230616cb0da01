import FacepipeCore
import Foundation

/// What is done with a document's bytes — counting and checking its pages, rendering one —
/// as plain functions with no I/O. They parse untrusted files with poppler and libtiff, so
/// facepipe runs them only inside `DocumentSandbox`'s child process; `facepipe bench documents`
/// calls them directly to measure them.
public enum DocumentWork {
    /// Page count and sizes within the limits, and the first page rendered (at low resolution
    /// for PDF: damaged content shows only when pixels are made) → the number of pages. A JPEG
    /// or PNG scan is checked exactly as an image upload is.
    public static func probe(fileAt url: URL, type: MediaType, config: IngestConfig) throws -> Int {
        let limits = ImageLimits(maxWidth: config.maxDimension, maxHeight: config.maxDimension, maxPixels: config.maxPixels)
        switch type {
        case .jpeg, .png:
            _ = try ImageValidator.validate(fileAt: url.path, limits: limits)
            return 1
        case .pdf, .tiff:
            let kind: DocumentPages.Kind = type == .pdf ? .pdf : .tiff
            let bytes = try Data(contentsOf: url)
            let sizes = try DocumentPages.probe(bytes, kind: kind, maxPages: config.documentMaxPages)
            for size in sizes {
                if kind == .pdf {
                    _ = try DocumentPages.renderDPI(for: size, dpi: config.documentDPI, maxDimension: config.documentMaxPageDimension)
                } else if Int(size.width) > limits.maxWidth || Int(size.height) > limits.maxHeight
                            || Int(size.width) * Int(size.height) > limits.maxPixels {
                    throw ImagingError.tooLarge(width: Int(size.width), height: Int(size.height))
                }
            }
            _ = try DocumentPages.render(bytes, kind: kind, page: 0, dpi: 18, limits: limits)
            return sizes.count
        default:
            throw DocumentError.unreadable("\(type.mimeType) is not a document type")
        }
    }

    /// A page as stored: a lossless, metadata-free PNG (or the scan itself for JPEG and PNG).
    public struct RenderedPage: Sendable {
        public var data: Data
        public var type: MediaType
        public var width: Int
        public var height: Int
        public var dpi: Double?

        public var mime: String { type.mimeType }
        public var ext: String { type.fileExtension }

        public init(data: Data, type: MediaType, width: Int, height: Int, dpi: Double?) {
            self.data = data
            self.type = type
            self.width = width
            self.height = height
            self.dpi = dpi
        }
    }

    /// Page `page` (from 1) as the image stored for it: PDF at `DOCUMENT_DPI`, lowered for
    /// large pages; TIFF pages at their own pixels; a single-page scan is its own page.
    public static func render(_ bytes: Data, type: MediaType, page: Int, config: IngestConfig) throws -> RenderedPage {
        let limits = ImageLimits(maxWidth: config.maxDimension, maxHeight: config.maxDimension, maxPixels: config.maxPixels)
        switch type {
        case .pdf, .tiff:
            let kind: DocumentPages.Kind = type == .pdf ? .pdf : .tiff
            var dpi: Double?
            if kind == .pdf {
                let size = try DocumentPages.pageSize(bytes, kind: kind, page: page - 1)
                dpi = try DocumentPages.renderDPI(for: size, dpi: config.documentDPI, maxDimension: config.documentMaxPageDimension)
            }
            let png = try DocumentPages.render(bytes, kind: kind, page: page - 1, dpi: dpi ?? 72, limits: limits)
            let header = try ImageProbe.probe(png.data)
            return RenderedPage(data: png.data, type: .png, width: header.width, height: header.height, dpi: dpi)
        default:
            // A single-page scan (JPEG or PNG) is its own page.
            let header = try ImageValidator.validate(bytes, limits: limits)
            return RenderedPage(data: bytes, type: type, width: header.uprightWidth, height: header.uprightHeight, dpi: nil)
        }
    }
}
