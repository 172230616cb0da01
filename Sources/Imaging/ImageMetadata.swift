import FacepipeCore

/// The only facts about an upload that may be stored: no EXIF, GPS, camera,
/// XMP or ICC data.
public struct ImageMetadata: Sendable, Hashable, Codable {
    /// Width and height as displayed (after EXIF rotation), first page.
    public var width: Int
    public var height: Int
    public var format: MediaType
    public var colourSpace: ColourSpace
    public var hasAlpha: Bool
    /// The EXIF orientation the upload carried, 1...8.
    public var orientation: Int

    public init(
        width: Int, height: Int, format: MediaType, colourSpace: ColourSpace,
        hasAlpha: Bool, orientation: Int
    ) {
        self.width = width
        self.height = height
        self.format = format
        self.colourSpace = colourSpace
        self.hasAlpha = hasAlpha
        self.orientation = orientation
    }

    public init(_ header: ImageHeader) {
        self.init(
            width: header.uprightWidth, height: header.uprightHeight, format: header.format,
            colourSpace: header.colourSpace, hasAlpha: header.hasAlpha,
            orientation: header.orientation)
    }
}

extension ImageHeader {
    /// The storable subset of this header.
    public var metadata: ImageMetadata { ImageMetadata(self) }
}
