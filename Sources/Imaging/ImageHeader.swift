import FacepipeCore

/// What an image's header says, read without decoding pixels.
public struct ImageHeader: Sendable, Hashable {
    public var format: MediaType
    /// Stored width and height of the first page, before EXIF rotation.
    public var width: Int
    public var height: Int
    public var bands: Int
    public var hasAlpha: Bool
    /// EXIF orientation, 1...8 (1 when absent).
    public var orientation: Int
    /// Frames (GIF/WebP) or top-level images (HEIF); 1 for still formats.
    public var pageCount: Int
    public var colourSpace: ColourSpace
    /// Bits per sample as decoded (8 or 16; HEIF reports its coded bit depth).
    public var bitsPerSample: Int

    public init(
        format: MediaType, width: Int, height: Int, bands: Int, hasAlpha: Bool,
        orientation: Int, pageCount: Int, colourSpace: ColourSpace, bitsPerSample: Int
    ) {
        self.format = format
        self.width = width
        self.height = height
        self.bands = bands
        self.hasAlpha = hasAlpha
        self.orientation = orientation
        self.pageCount = pageCount
        self.colourSpace = colourSpace
        self.bitsPerSample = bitsPerSample
    }

    /// Orientations 5–8 turn the image a quarter, swapping width and height.
    public var swapsDimensions: Bool { (5...8).contains(orientation) }
    /// Width as displayed (after EXIF rotation).
    public var uprightWidth: Int { swapsDimensions ? height : width }
    /// Height as displayed (after EXIF rotation).
    public var uprightHeight: Int { swapsDimensions ? width : height }
    /// Pixels in the first page.
    public var pixelCount: Int { width.multipliedReportingOverflow(by: height).partialValue }
}
