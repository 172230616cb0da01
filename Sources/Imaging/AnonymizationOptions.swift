/// How `Anonymizer` hides faces; mirrors the options of the `deface` tool
/// (PyPI deface 1.5.0): `--replacewith`, `--boxes`, `--mask-scale`,
/// `--mosaicsize` and `--draw-scores`.
public struct AnonymizationOptions: Sendable, Hashable {
    public enum Mode: Sendable, Hashable {
        /// Gaussian blur as strong as deface's box blur, whose kernel spans
        /// half the mask box in each direction.
        case blur
        /// Filled with opaque black.
        case solid
        /// Square tiles of `tileSize` pixels, each in the colour of its
        /// top-left pixel (deface `--mosaicsize`, default 20).
        case mosaic(tileSize: Int = 20)
        /// Left as it is (with `drawScores`, only the boxes are drawn).
        case none
    }

    public enum Shape: Sendable, Hashable {
        /// Only the ellipse inscribed in the mask box (deface's default).
        case ellipse
        /// The whole mask box (deface `--boxes`).
        case box
    }

    public var mode: Mode
    public var shape: Shape
    /// Grows each face box like deface's `scale_bb`: every side moves out by
    /// (maskScale − 1) × the box's width or height, so the default 1.3 makes
    /// the mask 1.6 × as wide and tall, around the same centre. Must be > 0.5.
    public var maskScale: Double
    /// Draws each mask box's outline and its score (two decimals) in green.
    public var drawScores: Bool

    public init(
        mode: Mode = .blur, shape: Shape = .ellipse, maskScale: Double = 1.3,
        drawScores: Bool = false
    ) {
        self.mode = mode
        self.shape = shape
        self.maskScale = maskScale
        self.drawScores = drawScores
    }

    /// deface's defaults: blurred ellipses, mask scale 1.3, no scores.
    public static let `default` = AnonymizationOptions()

    func validated() throws -> AnonymizationOptions {
        guard maskScale.isFinite, maskScale > 0.5, maskScale <= 100 else {
            throw ImagingError.invalidArgument("maskScale \(maskScale) is not in (0.5, 100]")
        }
        if case .mosaic(let tileSize) = mode, tileSize < 1 {
            throw ImagingError.invalidArgument("mosaic tile size \(tileSize) is below 1")
        }
        return self
    }
}
