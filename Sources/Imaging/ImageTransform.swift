/// What re-posting does to a photo, for measuring near-duplicate detection (`facepipe bench
/// duplicates`) and testing it: each transform starts from a decoded image and gives a new JPEG
/// (quality 85 unless the transform is a re-encode), as a re-poster's app would save it.
public enum ImageTransform: Sendable, Hashable, CustomStringConvertible {
    /// Saved again as JPEG at this quality.
    case reencode(quality: Int)
    /// Both sides scaled by this factor.
    case resize(Double)
    /// Every pixel × 1 + `amount` (0.2: 20 % of full scale brighter).
    case brighten(Double)
    /// This fraction of each side cut away, half from each edge (0.05: 95 % of width and height).
    case crop(Double)
    /// Rotated about the centre by this many degrees; the canvas grows, corners are black.
    case rotate(Double)
    /// A line of white text across the lower part (a caption or a handle).
    case watermark(String)
    /// Left and right swapped.
    case mirror

    public var description: String {
        switch self {
        case .reencode(let quality): "re-encoded q\(quality)"
        case .resize(let factor): "resized ×\(factor)"
        case .brighten(let amount): "brightened +\(Int(amount * 100)) %"
        case .crop(let fraction): "cropped \(Int((fraction * 100).rounded())) %"
        case .rotate(let degrees): "rotated \(degrees.formatted())°"
        case .watermark: "watermarked"
        case .mirror: "mirrored"
        }
    }

    /// The transformed copy of `image`, as a JPEG.
    public func apply(to image: DecodedImage) throws -> EncodedImage {
        let source = try image.image.flattened()
        let width = image.width, height = image.height
        switch self {
        case .reencode(let quality):
            return try Encoder.encode(source, as: .jpeg(quality: quality))
        case .resize(let factor):
            let target = max(1, Int((Double(max(width, height)) * factor).rounded()))
            return try Encoder.encode(try source.thumbnail(width: target, height: target, cropCentre: false, size: 0), as: .jpeg(quality: 85))
        case .brighten(let amount):
            return try Encoder.encode(try source.linear(1, amount * 255), as: .jpeg(quality: 85))
        case .crop(let fraction):
            let cutX = Int(Double(width) * fraction / 2), cutY = Int(Double(height) * fraction / 2)
            return try Encoder.encode(try source.extract(left: cutX, top: cutY, width: width - 2 * cutX, height: height - 2 * cutY),
                                      as: .jpeg(quality: 85))
        case .rotate(let degrees):
            return try Encoder.encode(try source.rotated(degrees: degrees), as: .jpeg(quality: 85))
        case .watermark(let text):
            let size = max(10, height / 14)
            return try Encoder.encode(try source.labelled(text, x: width / 20, y: height - 2 * size, textHeight: size, (255, 255, 255)),
                                      as: .jpeg(quality: 85))
        case .mirror:
            return try Encoder.encode(try source.mirrored(), as: .jpeg(quality: 85))
        }
    }
}
