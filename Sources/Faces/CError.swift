/// Calls a COnnxRuntime function that reports failure as -1 plus a message in a buffer.
enum CError {
    static let capacity = 1024

    /// nil on success, else the message the C side wrote.
    static func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> String? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer in
            let error = buffer.baseAddress!
            error.initialize(to: 0)
            return body(error, capacity) == 0 ? nil : String(cString: error)
        }
    }
}
