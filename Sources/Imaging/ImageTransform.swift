/// What re-posting does to a photo, for measuring near-duplicate detection (`facepipe bench
/// duplicates`) and testing it: each transform starts from a decoded image and gives a new JPEG
/// (quality 85 unless the transform is a re-encode), as a re-poster's app would save it.
public enum ImageTransform: Sendable, Hashable, CustomStringConvertible {
    /// Saved again as JPEG at this quality.
    case reencode(quality: Int)
    /// Both sides scaled by this factor.
    case resize(Double)
    /// Every pixel × `factor`: brightness as PIL's `ImageEnhance.Brightness` sets it (1.2: 20 %
    /// brighter, highlights clip; 0.8: 20 % darker), what "brightness ±20 %" means in an editor.
    case brightness(Double)
    /// Every pixel + `amount` of full scale (0.2: +51 levels): a harder shift than `brightness`,
    /// since a shift down turns every shadow darker than the shift to black.
    case brighten(Double)
    /// This fraction of each side cut away, half from each edge (0.05: 95 % of width and height).
    case crop(Double)
    /// Rotated about the centre by this many degrees; the canvas grows, corners are black.
    case rotate(Double)
    /// A line of white text across the lower part (a caption or a handle).
    case watermark(String)
    /// Left and right swapped.
    case mirror
    /// A uniform border this fraction of each side wide on every side (0.15: a 1000 px wide
    /// photo on a 1300 px canvas), in one dark colour: padding or letterboxing.
    case border(Double)
    /// Shown in a phone app and screenshotted: a status bar, an app header, white side margins
    /// and a caption under the photo (about 60 % of the screenshot is the photo).
    case screenshot

    public var description: String {
        switch self {
        case .reencode(let quality): "re-encoded q\(quality)"
        case .resize(let factor): "resized ×\(factor)"
        case .brightness(let factor): "brightness ×\(factor.formatted())"
        case .brighten(let amount): "levels \(amount < 0 ? "−" : "+")\(Int(abs(amount) * 255))"
        case .crop(let fraction): "cropped \(Int((fraction * 100).rounded())) %"
        case .rotate(let degrees): "rotated \(degrees.formatted())°"
        case .watermark: "watermarked"
        case .mirror: "mirrored"
        case .border(let fraction): "\(Int((fraction * 100).rounded())) % border"
        case .screenshot: "screenshot framing"
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
        case .brightness(let factor):
            return try Encoder.encode(try source.linear(factor, 0), as: .jpeg(quality: 85))
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
        case .border(let fraction):
            let dx = Int(Double(width) * fraction), dy = Int(Double(height) * fraction)
            return try Encoder.encode(try source.embedded(x: dx, y: dy, width: width + 2 * dx, height: height + 2 * dy, (24, 24, 28)),
                                      as: .jpeg(quality: 85))
        case .screenshot:
            return try Encoder.encode(try Self.screenshot(of: source, width: width, height: height), as: .jpeg(quality: 85))
        }
    }

    /// The photo in a phone app's page, screenshotted (see `.screenshot`).
    static func screenshot(of photo: VipsImage, width: Int, height: Int) throws -> VipsImage {
        let margin = max(4, width / 40), canvasWidth = width + 2 * margin
        let status = canvasWidth * 6 / 100, header = canvasWidth * 10 / 100, caption = canvasWidth * 22 / 100
        let canvasHeight = status + header + height + caption
        var page = try photo.embedded(x: margin, y: status + header, width: canvasWidth, height: canvasHeight, (255, 255, 255))
        page = try page.filled(AnonymizationMask(x: 0, y: 0, width: canvasWidth, height: status), (20, 20, 20), ellipse: false)
        page = try page.filled(AnonymizationMask(x: 0, y: status, width: canvasWidth, height: header), (59, 89, 152), ellipse: false)
        page = try page.labelled("12:34     LTE  87%", x: margin, y: status / 4, textHeight: max(6, status * 2 / 5), (255, 255, 255))
        page = try page.labelled("Marketplace  ·  seller profile", x: margin * 2, y: status + header / 3, textHeight: max(6, header * 2 / 5),
                                 (255, 255, 255))
        let line = max(6, caption / 8), below = status + header + height
        page = try page.labelled("Selling, barely used, DM me for the price", x: margin, y: below + caption / 5, textHeight: line, (30, 30, 30))
        return try page.labelled("23 likes   4 comments   liked by anna_k and others", x: margin, y: below + caption / 2, textHeight: line,
                                 (90, 90, 90))
    }
}
