import FacepipeCore
import CDlib
import Foundation
import Imaging

/// 128-d face vectors from dlib's ResNet (`dlib_face_recognition_resnet_model_v1.dat`, CC0, 99.38 %
/// on LFW): each box is aligned with dlib's 5-point shape predictor, cut out as a 150×150 chip
/// (`get_face_chip_details(shape, 150, 0.25)`) and run through the network on the CPU.
///
/// `embed` returns L2-normalised vectors. dlib's own "same person" rule (distance < 0.6) is
/// for its raw vectors, whose length is about 1.4: on normalised vectors use
/// `sameFaceDistance` instead (or `descriptors` for the raw ones).
///
/// Thread safety: a dlib network keeps per-run state and is not thread-safe, so CDlib holds a
/// mutex around it: one embedder serves any number of threads, one network run at a time
/// (alignment runs outside the lock). For parallel throughput create one embedder per worker
/// (measured: 34 MB loaded, 42 MB after a first run, +3–4 MB per extra face in a batch; CDlib
/// runs at most 16 faces at once). OpenBLAS threads: OPENBLAS_NUM_THREADS, else 1 (workers already
/// run one job per core; see cdlib.cpp).
public final class DlibFaceEmbedder: FaceEmbedder, @unchecked Sendable {
    // @unchecked: `handle` never changes after init and CDlib serialises the network itself.

    public static let shapePredictorFile = "shape_predictor_5_face_landmarks.dat"
    public static let resnetFile = "dlib_face_recognition_resnet_model_v1.dat"
    /// Relative to the working directory (the repository root for `make run` and tests).
    public static let defaultModelDirectory = ".deps/models"
    /// Same person below this distance between normalised vectors. Measured on the test
    /// photos: same person 0.24–0.32, different people 0.59–0.63 (dlib's raw 0.6 ≈ 0.6 / 1.38).
    public static let sameFaceDistance: Float = 0.45
    /// dlib's documented threshold for raw (unnormalised) descriptors.
    public static let rawSameFaceDistance: Float = 0.6
    /// The aligned chip the network sees: 150 px, padded 0.25 of the face on each side (cdlib.cpp).
    public static let chipSide = 150
    public static let chipPadding = 0.25
    /// How many pixels the face itself spans in the chip (100): a face at least this large in
    /// the image is never enlarged to make its chip.
    public static var faceSideInChip: Double { Double(chipSide) / (1 + 2 * chipPadding) }

    public let dimension = Int(CDLIB_DESCRIPTOR_DIM)
    public let shapePredictorPath: String
    public let resnetPath: String
    let handle: OpaquePointer

    /// Loads both models from `modelDirectory` (default `.deps/models`).
    public convenience init(modelDirectory: String = DlibFaceEmbedder.defaultModelDirectory) throws {
        let directory = URL(fileURLWithPath: modelDirectory)
        try self.init(
            shapePredictorPath: directory.appendingPathComponent(Self.shapePredictorFile).path,
            resnetPath: directory.appendingPathComponent(Self.resnetFile).path)
    }

    public init(shapePredictorPath: String, resnetPath: String) throws {
        for path in [shapePredictorPath, resnetPath] where !FileManager.default.fileExists(atPath: path) {
            throw EmbedderError.modelNotFound(path: path)
        }
        var loaded: OpaquePointer?
        let failure = DlibCall.error { error, size in
            loaded = cdlib_embedder_create(shapePredictorPath, resnetPath, error, size)
            return loaded == nil ? -1 : 0
        }
        if let message = failure {
            throw EmbedderError.modelUnusable(reason: message)
        }
        self.handle = loaded!
        self.shapePredictorPath = shapePredictorPath
        self.resnetPath = resnetPath
    }

    deinit {
        cdlib_embedder_free(handle)
    }

    public func embed(_ image: RGBPixels, faces: [FaceBox]) throws -> [[Float]] {
        try descriptors(image, faces: faces).map { face in
            guard let unit = EmbedderMath.l2Normalized(face.descriptor) else {
                throw EmbedderError.embeddingFailed("the network returned a zero or non-finite vector")
            }
            return unit
        }
    }

    /// dlib's raw descriptors (not normalised; compare with `rawSameFaceDistance`) and the
    /// 5 landmarks used for alignment, one per box.
    public func descriptors(_ image: RGBPixels, faces: [FaceBox]) throws -> [DlibFaceDescriptor] {
        guard !faces.isEmpty else { return [] }
        guard faces.count <= Int(Int32.max) / 128 else {
            throw EmbedderError.invalidArgument("\(faces.count) faces in one call")
        }
        let boxes = faces.flatMap { [$0.x, $0.y, $0.width, $0.height] }
        var vectors = [Float](repeating: 0, count: faces.count * dimension)
        var points = [Float](repeating: 0, count: faces.count * Int(CDLIB_LANDMARK_FLOATS))
        let failure = try DlibCall.withImage(image) { pixels, width, height, stride in
            DlibCall.error { error, size in
                cdlib_embed_batch(handle, pixels, width, height, stride, boxes, Int32(faces.count),
                                  &vectors, &points, error, size)
            }
        }
        if let failure {
            // CDlib checks arguments before running anything: its messages say which.
            throw failure.hasPrefix("invalid") ? EmbedderError.invalidArgument(failure) : EmbedderError.embeddingFailed(failure)
        }
        return faces.indices.map { i in
            let landmarkBase = i * Int(CDLIB_LANDMARK_FLOATS)
            return DlibFaceDescriptor(
                descriptor: Array(vectors[i * dimension..<(i + 1) * dimension]),
                landmarks: (0..<5).map { p in
                    FacePoint(x: points[landmarkBase + 2 * p], y: points[landmarkBase + 2 * p + 1])
                })
        }
    }
}

extension DlibFaceEmbedder {
    /// Aligned chips of one face, one per size (RGB, `size`×`size`): the 5-point shape, then
    /// dlib's `get_face_chip_details(shape, size, padding)`, each cut from the image itself.
    public func chips(_ image: RGBPixels, face: FaceBox, sizes: [Int], padding: Double) throws -> [RGBPixels] {
        guard !sizes.isEmpty else { return [] }
        let sides = sizes.map(Int32.init)
        var bytes = [UInt8](repeating: 0, count: sizes.reduce(0) { $0 + $1 * $1 * 3 })
        let failure = try DlibCall.withImage(image) { pixels, width, height, stride in
            DlibCall.error { error, size in
                cdlib_face_chips(handle, pixels, width, height, stride, face.x, face.y, face.width, face.height,
                                 sides, Int32(sides.count), padding, &bytes, error, size)
            }
        }
        if let failure {
            throw failure.hasPrefix("invalid") || failure.hasPrefix("chip") ? EmbedderError.invalidArgument(failure)
                : EmbedderError.embeddingFailed(failure)
        }
        var offset = 0
        return sizes.map { side in
            defer { offset += side * side * 3 }
            return RGBPixels(width: side, height: side, pixels: Array(bytes[offset..<offset + side * side * 3]))
        }
    }
}

/// One face as dlib sees it.
public struct DlibFaceDescriptor: Sendable, Hashable {
    /// dlib's raw 128 floats (length about 1.4).
    public var descriptor: [Float]
    /// The 5-point predictor's landmarks in image pixels, in dlib's order: outer and inner
    /// corner of the eye on the image's right, outer and inner corner of the other eye, nose base.
    public var landmarks: [FacePoint]
}
