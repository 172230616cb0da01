/// A libvips interpretation, by its libvips nickname ("srgb", "cmyk", …).
/// Open-ended: any other libvips value is kept as its nickname.
public struct ColourSpace: RawRepresentable, Sendable, Hashable, Codable,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let srgb = ColourSpace(rawValue: "srgb")
    /// 16-bit RGB.
    public static let rgb16 = ColourSpace(rawValue: "rgb16")
    /// 8-bit greyscale.
    public static let greyscale = ColourSpace(rawValue: "b-w")
    public static let grey16 = ColourSpace(rawValue: "grey16")
    public static let cmyk = ColourSpace(rawValue: "cmyk")
    /// Bands with no colour meaning.
    public static let multiband = ColourSpace(rawValue: "multiband")

    public var description: String { rawValue }
}
