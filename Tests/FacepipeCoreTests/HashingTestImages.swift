import FacepipeCore

/// Deterministic synthetic luminance images for the hashing tests.
enum HashingTestImages {
    /// Synthetic images defined by integer formulas only (no libm), so the C++ PDQ
    /// reference and these tests build bit-identical inputs. Pixels are generated in
    /// row-major order, drawing from `SplitMix64(seed:)` where the kind needs noise.
    /// - 0: diagonal gradient plus noise: `x·160/w + y·64/h + next() % 32`
    /// - 1: 8×8 blocks of random grey (blocks drawn first, row-major over the block grid)
    /// - 2: pure noise `next() % 256`
    /// - 3: rings `((x² + y²) / 37) % 256`
    /// - 4: smooth ramp `(x + y)·255 / (w + h − 2)`
    static func synthetic(kind: Int, width w: Int, height h: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        var blocks: [UInt8] = []
        let blocksWide = (w + 7) / 8
        if kind == 1 {
            for _ in 0..<(blocksWide * ((h + 7) / 8)) { blocks.append(UInt8(random.next() % 256)) }
        }
        var pixels = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let value: Int
                switch kind {
                case 0: value = x * 160 / w + y * 64 / h + Int(random.next() % 32)
                case 1: value = Int(blocks[(y / 8) * blocksWide + x / 8])
                case 2: value = Int(random.next() % 256)
                case 3: value = ((x * x + y * y) / 37) % 256
                default: value = ((x + y) * 255) / (w + h - 2)
                }
                pixels[y * w + x] = UInt8(value)
            }
        }
        return pixels
    }

    /// `count` random bytes in `0..<bound`.
    static func noise(count: Int, below bound: UInt64 = 256, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8(random.next() % bound) }
    }

    /// A `width`×`height` image from a function of (x, y).
    static func image(width: Int, height: Int, _ pixel: (_ x: Int, _ y: Int) -> UInt8) -> [UInt8] {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height)
        for y in 0..<height {
            for x in 0..<width { pixels.append(pixel(x, y)) }
        }
        return pixels
    }

    static func transposed(_ pixels: [UInt8], size: Int) -> [UInt8] {
        image(width: size, height: size) { x, y in pixels[x * size + y] }
    }
}
