/// One byte per pixel, row-major: Rec. 601 luma of the upright sRGB image,
/// alpha composited over white.
public struct GrayPixels: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public subscript(x: Int, y: Int) -> UInt8 { pixels[y * width + x] }

    /// The same values as Float (0...255), as PDQ-style hashers take them.
    public var floats: [Float] { pixels.map(Float.init) }
}

/// Three bytes per pixel (R, G, B), row-major, 8-bit sRGB, upright, alpha
/// composited over white.
public struct RGBPixels: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public subscript(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let index = (y * width + x) * 3
        return (pixels[index], pixels[index + 1], pixels[index + 2])
    }
}
