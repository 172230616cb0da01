import FacepipeCore
import Imaging

/// Turns faces into fixed-length vectors whose distance says "same person or not".
///
/// Implementations return one L2-normalised vector of `dimension` floats per face, in the
/// order of `faces`, so vectors of one model compare by Euclidean or cosine distance (and go
/// into pgvector as they are). `dimension` is data, not a type parameter: dlib gives 128,
/// an ArcFace-style ONNX model would give 512, and storage should read it from here.
public protocol FaceEmbedder: Sendable {
    /// Length of every vector `embed` returns.
    var dimension: Int { get }

    /// One vector per box (image pixel coordinates of `image`); `[]` for no boxes.
    func embed(_ image: RGBPixels, faces: [FaceBox]) throws -> [[Float]]
}
