/// Failures of loading a face embedder or embedding faces.
public enum EmbedderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No file at a model path (run scripts/fetch-dlib-models.sh).
    case modelNotFound(path: String)
    /// The file is there but could not be loaded as the expected model.
    case modelUnusable(reason: String)
    /// The pixels or a face box cannot be used.
    case invalidArgument(String)
    /// The native library failed while embedding.
    case embeddingFailed(String)

    public var description: String {
        switch self {
        case .modelNotFound(let path): "face embedding model not found at \(path) (run scripts/fetch-dlib-models.sh)"
        case .modelUnusable(let reason): "cannot load face embedding model: \(reason)"
        case .invalidArgument(let message): "invalid argument: \(message)"
        case .embeddingFailed(let message): "face embedding failed: \(message)"
        }
    }
}
