import FacepipeCore

/// The pixel box a face's mask covers, computed exactly like deface's
/// `anonymize_frame`: corners truncated to integers, grown by `scale_bb`
/// (each side moves out by (maskScale − 1) × the box size, rounded half to
/// even as numpy does), then clipped to the image.
struct AnonymizationMask: Hashable {
    var x: Int
    var y: Int
    var width: Int
    var height: Int

    init(x: Int, y: Int, width: Int, height: Int) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }

    /// nil when nothing of the grown box lies inside the image.
    /// A detector's box, grown by `maskScale`.
    init?(_ box: FaceBox, maskScale: Double, imageWidth: Int, imageHeight: Int) {
        self.init(x: Double(box.x), y: Double(box.y), width: Double(box.width), height: Double(box.height), maskScale: maskScale,
                  imageWidth: imageWidth, imageHeight: imageHeight)
    }

    init?(
        x: Double, y: Double, width: Double, height: Double, maskScale: Double,
        imageWidth: Int, imageHeight: Int
    ) {
        let growth = maskScale - 1
        let (left, right) = Self.grow(x, x + width, by: growth)
        let (top, bottom) = Self.grow(y, y + height, by: growth)
        // deface clips the far edge to size − 1 (losing the last row and
        // column); the mask here may reach the image's edge.
        let x1 = max(0, left), x2 = min(Double(imageWidth), right)
        let y1 = max(0, top), y2 = min(Double(imageHeight), bottom)
        guard x2 - x1 >= 1, y2 - y1 >= 1 else { return nil }
        self.init(x: Int(x1), y: Int(y1), width: Int(x2 - x1), height: Int(y2 - y1))
    }

    private static func grow(_ low: Double, _ high: Double, by growth: Double) -> (Double, Double) {
        let low = low.rounded(.towardZero), high = high.rounded(.towardZero)
        let size = high - low
        return ((low - size * growth).rounded(.toNearestOrEven),
                (high + size * growth).rounded(.toNearestOrEven))
    }

    /// Sigma (per axis) of a Gaussian with the spread of deface's blur: a box
    /// filter (`cv2.blur`) of size/2 pixels, whose standard deviation is
    /// √((k² − 1) / 12). The Gaussian damps fine detail more than the box
    /// filter (no side lobes), so it hides at least as much.
    var blurSigma: (x: Double, y: Double) {
        func sigma(_ size: Int) -> Double {
            let kernel = Double(size / 2)
            return max(0.5, (max(0, kernel * kernel - 1) / 12).squareRoot())
        }
        return (sigma(width), sigma(height))
    }
}
