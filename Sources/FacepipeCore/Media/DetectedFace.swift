/// A face found in an image and stored: its detection in upright original-image pixels, and
/// its private crop.
public struct DetectedFace: Sendable, Equatable, Codable {
    public var index: Int
    public var detection: FaceDetection
    /// The 224×224 crop (20% padding), stored privately.
    public var cropKey: String?
    /// The face inside that crop, in crop pixels: the embed job works from the crop (a few KB)
    /// instead of decoding the original again.
    public var faceInCrop: FaceBox?

    public init(index: Int, detection: FaceDetection, cropKey: String?, faceInCrop: FaceBox? = nil) {
        self.index = index
        self.detection = detection
        self.cropKey = cropKey
        self.faceInCrop = faceInCrop
    }

    public var box: FaceBox { detection.box }
}
