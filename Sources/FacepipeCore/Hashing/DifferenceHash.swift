/// dHash (difference hash).
///
/// Input: 9 wide × 8 tall = 72 luminance bytes, row-major.
/// For row r and column c in 0..<8, bit index i = r·8 + c compares the pixel at (r, c)
/// with its right neighbour (r, c+1): set when the left pixel is strictly brighter.
/// Bit index i is stored as bit `63 − i` (first comparison = most significant bit).
/// Only differences matter, so adding a constant to every pixel never changes it.
extension PerceptualHash {
    public static let differenceHashWidth = 9
    public static let differenceHashHeight = 8

    public static func dHash(_ pixels: [UInt8]) throws(PerceptualHashError) -> UInt64 {
        try requireCount(pixels.count, differenceHashWidth * differenceHashHeight)
        var hash: UInt64 = 0
        for row in 0..<8 {
            for column in 0..<8 {
                let left = pixels[row * 9 + column]
                let right = pixels[row * 9 + column + 1]
                if left > right {
                    hash |= 1 << UInt64(63 - (row * 8 + column))
                }
            }
        }
        return hash
    }
}
