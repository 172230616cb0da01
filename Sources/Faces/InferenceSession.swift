import FacepipeCore
import COnnxRuntime
import Foundation

/// One ONNX model loaded into ONNX Runtime (CPU), run with one float input.
///
/// Thread safety: ONNX Runtime documents `Run` as safe to call concurrently on one session
/// (each call gets its own intermediate buffers), and nothing here changes after init. So one
/// session serves any number of concurrent callers; each call uses `intraOpThreads` threads.
public final class InferenceSession: @unchecked Sendable {
    public let runtime: ONNXRuntime
    public let modelPath: String
    /// Threads one run uses. 1 = the calling thread only (ONNX Runtime then creates no pool):
    /// the right choice when several images are processed at once.
    public let intraOpThreads: Int
    let handle: OpaquePointer

    public init(runtime: ONNXRuntime, modelPath: String, intraOpThreads: Int = 1) throws {
        guard intraOpThreads >= 1 else {
            throw InferenceError.invalidArgument("intraOpThreads \(intraOpThreads)")
        }
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw InferenceError.modelNotFound(path: modelPath)
        }
        var session: OpaquePointer?
        if let message = CError.call({
            cort_session_create(runtime.handle, runtime.environment, modelPath, Int32(intraOpThreads), &session, $0, $1)
        }) {
            throw InferenceError.sessionFailed(message)
        }
        self.runtime = runtime
        self.modelPath = modelPath
        self.intraOpThreads = intraOpThreads
        self.handle = session!
    }

    deinit {
        cort_session_release(runtime.handle, handle)
    }

    /// Runs the model on `input` (fed as `inputName`) and returns `outputNames`' tensors, copied
    /// out of ONNX Runtime, in that order.
    public func run(inputName: String, input: FloatTensor, outputNames: [String]) throws -> [FloatTensor] {
        var outputs = [OpaquePointer?](repeating: nil, count: outputNames.count)
        let shape = input.shape.map(Int64.init)
        let failure = withCStrings(outputNames) { names in
            input.values.withUnsafeBufferPointer { values in
                CError.call {
                    cort_run(runtime.handle, handle, inputName, values.baseAddress, shape, shape.count,
                             names, names.count, &outputs, $0, $1)
                }
            }
        }
        if let failure { throw InferenceError.runFailed(failure) }
        defer { for output in outputs { cort_value_release(runtime.handle, output) } }
        return try zip(outputNames, outputs).map { name, output in
            try tensor(output!, name: name)
        }
    }

    private func tensor(_ value: OpaquePointer, name: String) throws -> FloatTensor {
        var dims = [Int64](repeating: 0, count: 8)
        var rank = 0
        var data: UnsafePointer<Float>?
        if let message = CError.call({ cort_tensor_float(runtime.handle, value, &dims, dims.count, &rank, &data, $0, $1) }) {
            throw InferenceError.unexpectedOutput("\(name): \(message)")
        }
        let shape = dims.prefix(rank).map { Int($0) }
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 > 0 }), let data else {
            throw InferenceError.unexpectedOutput("\(name) has shape \(shape)")
        }
        return try FloatTensor(shape: shape, values: Array(UnsafeBufferPointer(start: data, count: count)))
    }
}

/// NUL-terminated copies of `strings`, valid during `body`.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) })
}
