/// A dense float tensor in row-major order, as ONNX models take and return them.
public struct FloatTensor: Sendable, Hashable {
    public let shape: [Int]
    public let values: [Float]

    public init(shape: [Int], values: [Float]) throws {
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }),
            shape.reduce(1, *) == values.count
        else {
            throw InferenceError.invalidArgument(
                "tensor shape \(shape) does not hold \(values.count) values")
        }
        self.shape = shape
        self.values = values
    }
}
