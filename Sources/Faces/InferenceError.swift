/// Failures of loading ONNX Runtime, creating a session or running a model.
public enum InferenceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No file at the library path (run scripts/fetch-models.sh).
    case libraryNotFound(path: String)
    /// The file is there but is not a usable ONNX Runtime (dlopen, symbol or API version).
    case libraryUnusable(path: String, reason: String)
    /// No file at the model path (run scripts/fetch-models.sh).
    case modelNotFound(path: String)
    /// ONNX Runtime refused to create the environment or the session.
    case sessionFailed(String)
    /// ONNX Runtime failed while running the model.
    case runFailed(String)
    /// The model's outputs are not what the caller expected.
    case unexpectedOutput(String)
    /// A caller passed an impossible value (empty image, bad shape, …).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .libraryNotFound(let path):
            "ONNX Runtime library not found at \(path) (run scripts/fetch-models.sh)"
        case .libraryUnusable(let path, let reason): "cannot use ONNX Runtime at \(path): \(reason)"
        case .modelNotFound(let path): "model not found at \(path) (run scripts/fetch-models.sh)"
        case .sessionFailed(let message): "ONNX Runtime session: \(message)"
        case .runFailed(let message): "ONNX Runtime run: \(message)"
        case .unexpectedOutput(let message): "unexpected model output: \(message)"
        case .invalidArgument(let message): "invalid argument: \(message)"
        }
    }
}
