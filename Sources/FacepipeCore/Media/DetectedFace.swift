/// A face found in an image, in upright original-image pixels.
public struct DetectedFace: Sendable, Equatable, Codable {
    public var index: Int
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public var confidence: Double
    /// Five (x, y) points: eyes, nose, mouth corners.
    public var landmarks: [[Double]]
    /// The 224×224 crop (20% padding), stored privately.
    public var cropKey: String?
    /// The face inside that crop, [x, y, width, height] in crop pixels: the embed job works from
    /// the crop (a few KB) instead of decoding the original again.
    public var cropFace: [Double]?

    public init(index: Int, x: Double, y: Double, width: Double, height: Double, confidence: Double, landmarks: [[Double]],
                cropKey: String?, cropFace: [Double]? = nil) {
        self.index = index
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.confidence = confidence
        self.landmarks = landmarks
        self.cropKey = cropKey
        self.cropFace = cropFace
    }
}
