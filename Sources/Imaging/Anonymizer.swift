import FacepipeCore
import Foundation

/// Hides faces like the `deface` tool (PyPI deface 1.5.0, `anonymize_frame`
/// and `draw_det`), with libvips, on the full-resolution upright image. The
/// output goes through `Encoder` like every other output: 8-bit sRGB, no
/// EXIF, GPS, XMP or ICC.
public enum Anonymizer {
    /// Decodes `bytes` at full resolution, upright, and anonymizes `faces`.
    /// Faces partly outside the image are clipped; faces entirely outside
    /// are ignored.
    public static func anonymize(
        _ bytes: some ContiguousBytes, faces: [FaceDetection], options: AnonymizationOptions = .default,
        as format: EncodeFormat, limits: ImageLimits = .default,
        strictness: DecodeStrictness = .truncated
    ) throws -> EncodedImage {
        let options = try options.validated()
        try validate(faces)
        let header = try ImageProbe.probe(bytes)
        // The long side as the bound: DecodedImage then never shrinks.
        let decoded = try DecodedImage(
            bytes, maxDimension: max(header.width, header.height, 1), limits: limits,
            strictness: strictness)
        return try Encoder.encode(apply(faces, to: decoded.image, options: options), as: format)
    }

    /// Anonymizes an image decoded already. `faces` are in the upright
    /// original's pixels (`image.source`); when `image` was decoded smaller
    /// (`maxDimension`), they are scaled to it and the output has its size.
    /// Decode with `maxDimension` ≥ the long side for a full-resolution result.
    public static func anonymize(
        _ image: DecodedImage, faces: [FaceDetection], options: AnonymizationOptions = .default,
        as format: EncodeFormat
    ) throws -> EncodedImage {
        let options = try options.validated()
        try validate(faces)
        let scaleX = Double(image.width) / Double(max(1, image.source.uprightWidth))
        let scaleY = Double(image.height) / Double(max(1, image.source.uprightHeight))
        let scaled = faces.map { $0.scaled(x: scaleX, y: scaleY) }
        return try Encoder.encode(apply(scaled, to: image.image, options: options), as: format)
    }

    static func validate(_ faces: [FaceDetection]) throws {
        for face in faces where !face.box.isValid {
            let box = face.box
            throw ImagingError.invalidArgument("face box \(box.x),\(box.y) \(box.width)×\(box.height)")
        }
    }

    /// One face after another, as deface does (a later mask sees the earlier
    /// ones); outlines and scores last, so no blur smears them.
    static func apply(_ faces: [FaceDetection], to image: VipsImage, options: AnonymizationOptions) throws
        -> VipsImage
    {
        let header = image.header
        let width = Int(header.width), height = Int(header.height)
        let masks = faces.compactMap { face in
            AnonymizationMask(face.box, maskScale: options.maskScale, imageWidth: width, imageHeight: height)
                .map { (mask: $0, score: Double(face.score)) }
        }
        let ellipse = options.shape == .ellipse
        var output = image
        for (mask, _) in masks {
            switch options.mode {
            case .blur:
                let sigma = mask.blurSigma
                output = try output.blurred(mask, sigmaX: sigma.x, sigmaY: sigma.y, ellipse: ellipse)
            case .solid:
                output = try output.filled(mask, (0, 0, 0), ellipse: ellipse)
            case .mosaic(let tileSize):
                output = try output.pixelated(mask, tileSize: tileSize, ellipse: ellipse)
            case .none:
                break
            }
        }
        guard options.drawScores else { return output }
        return try drawScores(masks, on: output, shortSide: min(width, height))
    }

    /// deface's `--draw-scores` colour.
    static let scoreColour = (0.0, 255.0, 0.0)

    /// An outline round each mask box and its score above it (inside it at
    /// the top edge), both sized to the image so they stay legible.
    static func drawScores(
        _ masks: [(mask: AnonymizationMask, score: Double)], on image: VipsImage, shortSide: Int
    ) throws -> VipsImage {
        let thickness = max(2, shortSide / 400)
        let textHeight = max(12, shortSide / 60)
        var output = image
        for (mask, score) in masks {
            output = try output.outlined(mask, thickness: thickness, scoreColour)
            let above = mask.y - textHeight - thickness
            let top = above >= 0 ? above : mask.y + thickness
            let label = String(format: "%.2f", score)
            // Text needs libvips' Pango support and a font; without them the
            // outline alone marks the face.
            if let labelled = try? output.labelled(
                label, x: mask.x + thickness, y: top, textHeight: textHeight, scoreColour)
            {
                output = labelled
            }
        }
        return output
    }
}
