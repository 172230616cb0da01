/// A small 8-bit RGB(A) raster built in Swift, turned into libvips images by
/// `Fixture`.
struct Raster {
    var width: Int
    var height: Int
    var bands: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, bands: Int = 3, pixel: (Int, Int) -> [UInt8]) {
        self.width = width
        self.height = height
        self.bands = bands
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * bands)
        for y in 0..<height {
            for x in 0..<width { pixels += pixel(x, y) }
        }
        self.pixels = pixels
    }

    func pixel(_ x: Int, _ y: Int) -> [UInt8] {
        let start = (y * width + x) * bands
        return Array(pixels[start..<start + bands])
    }

    /// Upright test picture: four colour quadrants (red TL, blue TR, green BL,
    /// yellow BR), so any rotation or mirroring shows.
    static func quadrants(width: Int, height: Int) -> Raster {
        Raster(width: width, height: height) { x, y in
            Quadrant.colour(left: x < width / 2, top: y < height / 2).bytes
        }
    }

    static func solid(_ colour: Colour, width: Int, height: Int) -> Raster {
        Raster(width: width, height: height) { _, _ in colour.bytes }
    }

    /// Deterministic noise: compresses badly, so truncation cuts real data.
    static func noise(width: Int, height: Int) -> Raster {
        var state: UInt32 = 12345
        return Raster(width: width, height: height) { _, _ in
            (0..<3).map { _ in
                state = state &* 1_103_515_245 &+ 12345
                return UInt8(truncatingIfNeeded: state >> 16)
            }
        }
    }

    /// The raster as it must be stored so that a viewer applying EXIF
    /// `orientation` shows `self` (self is the upright picture).
    func stored(forOrientation orientation: Int) -> Raster {
        let swaps = orientation >= 5
        let storedWidth = swaps ? height : width
        let storedHeight = swaps ? width : height
        var result = Raster(width: storedWidth, height: storedHeight, bands: bands) { _, _ in
            [UInt8](repeating: 0, count: bands)
        }
        let (w, h) = (storedWidth, storedHeight)
        for y in 0..<height {
            for x in 0..<width {
                // displayed (x, y) shows stored (sx, sy) — EXIF 2.32 orientation table.
                let (sx, sy): (Int, Int) =
                    switch orientation {
                    case 2: (w - 1 - x, y)
                    case 3: (w - 1 - x, h - 1 - y)
                    case 4: (x, h - 1 - y)
                    case 5: (y, x)
                    case 6: (y, h - 1 - x)
                    case 7: (w - 1 - y, h - 1 - x)
                    case 8: (w - 1 - y, x)
                    default: (x, y)
                    }
                let start = (sy * w + sx) * bands
                result.pixels.replaceSubrange(start..<start + bands, with: pixel(x, y))
            }
        }
        return result
    }
}

enum Quadrant {
    static func colour(left: Bool, top: Bool) -> Colour {
        switch (left, top) {
        case (true, true): .red
        case (false, true): .blue
        case (true, false): .green
        case (false, false): .yellow
        }
    }
}
