/// Largest images Imaging will decode. Checked from the header, before any
/// pixel is decoded.
public struct ImageLimits: Sendable, Hashable {
    public var maxWidth: Int
    public var maxHeight: Int
    /// Pixels of the first page (width × height).
    public var maxPixels: Int

    public init(maxWidth: Int = 8000, maxHeight: Int = 8000, maxPixels: Int = 8000 * 8000) {
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
        self.maxPixels = maxPixels
    }

    /// 8000 × 8000.
    public static let `default` = ImageLimits()
    /// No limit (trusted input only).
    public static let unlimited = ImageLimits(maxWidth: .max, maxHeight: .max, maxPixels: .max)

    /// Throws `ImagingError.tooLarge` when the header exceeds a limit.
    public func check(_ header: ImageHeader) throws {
        let (pixels, overflow) = header.width.multipliedReportingOverflow(by: header.height)
        if header.width > maxWidth || header.height > maxHeight || overflow || pixels > maxPixels {
            throw ImagingError.tooLarge(width: header.width, height: header.height)
        }
    }
}
