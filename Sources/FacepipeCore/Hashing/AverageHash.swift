/// aHash (average hash).
///
/// Input: 8×8 = 64 luminance bytes, row-major (the caller has already resized).
/// Bit for pixel i (i = row·8 + column) is bit `63 − i` of the result, so pixel 0 is the
/// most significant bit; it is set when the pixel is strictly brighter than the mean
/// of all 64 pixels. The comparison is done in integers (`64·p > Σp`), so there is no
/// rounding: a constant image hashes to 0.
extension PerceptualHash {
    public static let averageHashPixelCount = 64

    public static func aHash(_ pixels: [UInt8]) throws(PerceptualHashError) -> UInt64 {
        try requireCount(pixels.count, averageHashPixelCount)
        let sum = pixels.reduce(0) { $0 + Int($1) }
        var hash: UInt64 = 0
        for (index, pixel) in pixels.enumerated() where Int(pixel) * 64 > sum {
            hash |= 1 << UInt64(63 - index)
        }
        return hash
    }
}
