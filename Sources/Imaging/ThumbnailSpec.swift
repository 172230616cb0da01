/// Target box of a thumbnail. Thumbnails only ever shrink: a smaller image
/// keeps its size.
public struct ThumbnailSpec: Sendable, Hashable {
    public enum Fit: Sendable, Hashable {
        /// Fill the box and centre-crop the overflow (libvips `crop=centre`).
        case cover
        /// Fit inside the box, keeping the aspect ratio.
        case inside
    }

    public var width: Int
    public var height: Int
    public var fit: Fit

    public init(width: Int, height: Int, fit: Fit = .cover) {
        self.width = width
        self.height = height
        self.fit = fit
    }

    public static func cover(width: Int, height: Int) -> ThumbnailSpec {
        ThumbnailSpec(width: width, height: height, fit: .cover)
    }

    public static func inside(width: Int, height: Int) -> ThumbnailSpec {
        ThumbnailSpec(width: width, height: height, fit: .inside)
    }

    func validated() throws -> ThumbnailSpec {
        guard (1...100_000).contains(width), (1...100_000).contains(height) else {
            throw ImagingError.invalidArgument("thumbnail size \(width)×\(height)")
        }
        return self
    }
}
