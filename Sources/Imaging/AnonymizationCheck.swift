import FacepipeCore

/// Whether an anonymized copy still shows faces, judged from the detector run again on it.
///
/// A detection counts as a face left only when it lies outside every mask: at low thresholds
/// CenterFace fires on the masks themselves (a blurred ellipse still has a face's outline; a
/// held-out group photo with every face well blurred gave 6 detections at 0.2), and those
/// hits say nothing about what the copy shows. "Inside" means at least half of the detection's
/// box is covered by one mask: a face only partly masked still counts.
public enum AnonymizationCheck {
    /// - Parameters:
    ///   - masked: the faces the copy was made from (detector boxes, before `maskScale`), in
    ///     the same pixels as `found`.
    ///   - found: detections on the copy.
    /// - Returns: how many of `found` are not covered by a mask.
    public static func facesLeft(
        masked: [FaceDetection], found: [FaceDetection], maskScale: Double, imageWidth: Int, imageHeight: Int
    ) -> Int {
        let masks = masked.compactMap {
            AnonymizationMask($0.box, maskScale: maskScale, imageWidth: imageWidth, imageHeight: imageHeight)
        }
        return found.map(\.box).filter { box in
            let detection = (x: Double(box.x), y: Double(box.y), width: Double(box.width), height: Double(box.height))
            let area = detection.width * detection.height
            guard area > 0 else { return false }
            return !masks.contains { mask in
                let overlapWidth = min(detection.x + detection.width, Double(mask.x + mask.width)) - max(detection.x, Double(mask.x))
                let overlapHeight = min(detection.y + detection.height, Double(mask.y + mask.height)) - max(detection.y, Double(mask.y))
                return max(0, overlapWidth) * max(0, overlapHeight) >= area / 2
            }
        }.count
    }
}
