/// A point in image pixels (x right, y down; 0,0 is the top-left corner of the top-left pixel).
public struct FacePoint: Sendable, Hashable, Codable {
    public var x: Float
    public var y: Float

    public init(x: Float, y: Float) {
        self.x = x
        self.y = y
    }
}

/// An axis-aligned box in image pixels.
public struct FaceBox: Sendable, Hashable, Codable {
    public var x: Float
    public var y: Float
    public var width: Float
    public var height: Float

    public init(x: Float, y: Float, width: Float, height: Float) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var maxX: Float { x + width }
    public var maxY: Float { y + height }

    public func contains(_ point: FacePoint) -> Bool {
        point.x >= x && point.x <= maxX && point.y >= y && point.y <= maxY
    }
}

/// One face found by a detector, in the pixel coordinates of the image it was given.
public struct FaceDetection: Sendable, Hashable, Codable {
    public var box: FaceBox
    /// The detector's confidence, 0...1 (CenterFace's heatmap peak).
    public var score: Float
    /// Five points in CenterFace's order: the eye on the image's left, the other eye, the nose
    /// tip, the mouth corner on the image's left, the other mouth corner.
    public var landmarks: [FacePoint]

    public init(box: FaceBox, score: Float, landmarks: [FacePoint]) {
        self.box = box
        self.score = score
        self.landmarks = landmarks
    }

    /// The same detection in an image scaled by `sx` horizontally and `sy` vertically.
    public func scaled(x sx: Float, y sy: Float) -> FaceDetection {
        FaceDetection(
            box: FaceBox(x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy),
            score: score,
            landmarks: landmarks.map { FacePoint(x: $0.x * sx, y: $0.y * sy) })
    }
}
