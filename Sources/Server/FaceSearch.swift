import Faces
import Foundation
import Imaging
import Pipeline

/// What face search needs: the same detector and embedder the workers use.
public struct FaceSearch: Sendable {
    public var detector: CenterFaceDetector
    public var embedder: any FaceEmbedder
    public var minSimilarity: Double

    public init(detector: CenterFaceDetector, embedder: any FaceEmbedder, minSimilarity: Double) {
        self.detector = detector
        self.embedder = embedder
        self.minSimilarity = minSimilarity
    }

    /// Faces in the query image and, when there is exactly one, its embedding.
    func analyse(_ bytes: Data) throws -> (faceCount: Int, embedding: [Float]?) {
        let decoded = try DecodedImage(bytes, maxDimension: FaceEmbedding.maxDimension)
        let faces = try detector.detect(decoded)
        guard faces.count == 1 else { return (faces.count, nil) }
        let pixels = try decoded.rgb(maxDimension: FaceEmbedding.maxDimension)
        let sx = Float(pixels.width) / Float(decoded.width), sy = Float(pixels.height) / Float(decoded.height)
        let box = faces[0].box
        let vector = try embedder.embed(pixels, faces: [FaceBox(x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy)])
        return (1, vector.first)
    }
}
