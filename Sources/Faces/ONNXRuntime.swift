import FacepipeCore
import COnnxRuntime
import Foundation

/// ONNX Runtime's C library, opened at run time with dlopen (the Swift build never links it),
/// plus its process-wide environment.
///
/// Load it once and share it: sessions keep it alive. The library itself is never unloaded
/// (ONNX Runtime's process-wide state must stay mapped); only the environment is released.
/// ONNX Runtime keeps one environment per process, so the first instance's log level applies.
///
/// Sendable: after init nothing changes; the OrtApi table is read-only and ONNX Runtime's
/// environment is thread-safe.
public final class ONNXRuntime: @unchecked Sendable {
    /// Where scripts/fetch-models.sh puts the library, relative to the working directory.
    public static let defaultLibraryPath = ".deps/onnxruntime/lib/libonnxruntime.so.1.31.1"

    /// What ONNX Runtime itself prints to stderr (it has no other sink here).
    public enum LogLevel: Int32, Sendable {
        case verbose = 0, info, warning, error, fatal
    }

    public let libraryPath: String
    /// The library's own version string, e.g. "1.31.1".
    public let version: String
    let handle: OpaquePointer
    let environment: OpaquePointer

    /// Opens the library at `libraryPath` (a bare file name is searched like any dlopen).
    /// `logLevel` defaults to `.fatal`: ONNX Runtime writes plain-text lines to stderr, which
    /// would break the JSON log format, and every error it would print is also returned (and
    /// thrown as `InferenceError`). Lower it to debug ONNX Runtime itself.
    public init(libraryPath: String = ONNXRuntime.defaultLibraryPath, logLevel: LogLevel = .fatal)
        throws
    {
        if libraryPath.contains("/"), !FileManager.default.fileExists(atPath: libraryPath) {
            throw InferenceError.libraryNotFound(path: libraryPath)
        }
        var loaded: OpaquePointer?
        if let reason = CError.call({ error, size in
            loaded = cort_load(libraryPath, UInt32(CORT_API_VERSION), error, size)
            return loaded == nil ? -1 : 0
        }) {
            throw InferenceError.libraryUnusable(path: libraryPath, reason: reason)
        }
        let handle = loaded!
        var environment: OpaquePointer?
        if let message = CError.call({ cort_env_create(handle, logLevel.rawValue, "facepipe", &environment, $0, $1) }) {
            cort_runtime_free(handle)
            throw InferenceError.sessionFailed(message)
        }
        self.libraryPath = libraryPath
        self.version = String(cString: cort_version(handle))
        self.handle = handle
        self.environment = environment!
    }

    deinit {
        cort_env_release(handle, environment)
        cort_runtime_free(handle)
    }
}
