/// PDQ: Meta's 256-bit perceptual hash with a quality score, following the reference
/// implementation (ThreatExchange `pdq/cpp/hashing/pdqhashing.cpp`,
/// `pdqHash256FromFloatLuma`) step by step:
///
/// 1. Luminance of any size, row-major, 0…255 (the caller has typically already
///    downscaled to ≤ 512 px with a good filter; the reference expects the same).
/// 2. Unless it is exactly 64×64: two rounds of Jarosz box filtering with windows
///    ceil(width/128) along rows and ceil(height/128) along columns, then decimation
///    to 64×64 by sampling cell centres (`PDQDownsampling`).
/// 3. Quality from the 64×64 image's gradients (`PDQTransform.quality`).
/// 4. 16×16 DCT of frequencies 1…16 in each direction, bit = coefficient > median
///    (`PDQTransform`).
///
/// Images smaller than 5 px in either direction get the all-zero hash and quality 0,
/// as in the reference.
extension PerceptualHash {
    /// The reference's `MIN_HASHABLE_DIM`.
    public static let pdqMinimumDimension = 5

    /// PDQ of `luma` (width × height values, row-major, nominally 0…255).
    public static func pdq(luma: [Float], width: Int, height: Int) throws(PerceptualHashError) -> PDQResult {
        guard width >= 0, height >= 0 else { throw .invalidDimensions(width: width, height: height) }
        try requireCount(luma.count, width * height)
        guard width >= pdqMinimumDimension, height >= pdqMinimumDimension else {
            return PDQResult(hash: .zero, quality: 0)
        }
        let image64: [Float]
        if width == 64 && height == 64 {
            image64 = luma  // already at the working size (e.g. video frames): no blur
        } else {
            var buffer = luma
            var scratch = [Float](repeating: 0, count: luma.count)
            PDQDownsampling.jaroszFilter(
                &buffer, scratch: &scratch, rows: height, columns: width,
                windowAlongRows: PDQDownsampling.windowSize(oldDimension: width, newDimension: 64),
                windowAlongColumns: PDQDownsampling.windowSize(oldDimension: height, newDimension: 64))
            image64 = PDQDownsampling.decimate(buffer, rows: height, columns: width, to: 64)
        }
        let quality = PDQTransform.quality(of: image64)
        let hash = PDQTransform.bits(of: PDQTransform.dct64To16(image64))
        return PDQResult(hash: hash, quality: quality)
    }

    /// PDQ of 8-bit luminance (width × height bytes, row-major).
    public static func pdq(luma: [UInt8], width: Int, height: Int) throws(PerceptualHashError) -> PDQResult {
        try pdq(luma: luma.map(Float.init), width: width, height: height)
    }
}
