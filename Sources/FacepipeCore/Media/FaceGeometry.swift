/// A point in image pixels (x right, y down; 0,0 is the top-left corner of the top-left pixel).
public struct FacePoint: Sendable, Hashable, Codable {
    public var x: Float
    public var y: Float

    public init(x: Float, y: Float) {
        self.x = x
        self.y = y
    }
}

/// An axis-aligned box in image pixels: the one face-geometry type. A detector's output, a
/// stored face, the face inside its crop, the boxes an anonymizer masks and those it verifies
/// are all `FaceBox`es (with a score and landmarks: `FaceDetection`).
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

    @_disfavoredOverload
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.init(x: Float(x), y: Float(y), width: Float(width), height: Float(height))
    }

    public var maxX: Float { x + width }
    public var maxY: Float { y + height }

    public func contains(_ point: FacePoint) -> Bool {
        point.x >= x && point.x <= maxX && point.y >= y && point.y <= maxY
    }

    /// The same box in an image scaled by `sx` horizontally and `sy` vertically.
    public func scaled(x sx: Double, y sy: Double) -> FaceBox {
        FaceBox(x: Double(x) * sx, y: Double(y) * sy, width: Double(width) * sx, height: Double(height) * sy)
    }

    /// Finite, with no negative side.
    public var isValid: Bool {
        [x, y, width, height].allSatisfy(\.isFinite) && width >= 0 && height >= 0
    }

    /// `[x, y, width, height]`, as the database's JSON arrays hold a box.
    public var array: [Double] { [x, y, width, height].map { Double($0) } }

    public init?(array: [Double]) {
        guard array.count == 4 else { return nil }
        self.init(x: array[0], y: array[1], width: array[2], height: array[3])
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

    /// A box with a score and no landmarks (what an anonymizer masks).
    public init(x: Double, y: Double, width: Double, height: Double, score: Double) {
        self.init(box: FaceBox(x: x, y: y, width: width, height: height), score: Float(score), landmarks: [])
    }

    /// The same detection in an image scaled by `sx` horizontally and `sy` vertically.
    public func scaled(x sx: Float, y sy: Float) -> FaceDetection {
        FaceDetection(
            box: FaceBox(x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy),
            score: score,
            landmarks: landmarks.map { FacePoint(x: $0.x * sx, y: $0.y * sy) })
    }

    /// As `scaled(x:y:)` with the products taken in double precision.
    @_disfavoredOverload
    public func scaled(x sx: Double, y sy: Double) -> FaceDetection {
        FaceDetection(box: box.scaled(x: sx, y: sy), score: score,
                      landmarks: landmarks.map { FacePoint(x: Float(Double($0.x) * sx), y: Float(Double($0.y) * sy)) })
    }
}
