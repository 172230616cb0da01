#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Failures common to every store. S3's own refusals are `S3Error`.
public enum MediaStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key resolves (through a symlink) outside the store's root.
    case outsideRoot(key: String)
    /// The requested range selects no byte of the object.
    case rangeNotSatisfiable(size: Int64)
    /// `get` refuses to buffer more than its limit; stream the object instead.
    case tooLarge(limit: Int)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .outsideRoot(key): "media key \(key) resolves outside the store root"
        case let .rangeNotSatisfiable(size): "range not satisfiable for an object of \(size) bytes"
        case let .tooLarge(limit): "object larger than \(limit) bytes"
        case let .io(operation, path, errno): "\(operation) \(path): \(String(cString: strerror(errno)))"
        case let .invalidArgument(message): message
        }
    }
}
