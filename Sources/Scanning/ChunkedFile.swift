import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file read piece by piece on NIO's blocking-I/O pool, so a large upload is never held in memory
/// and disk reads never stall the cooperative thread pool.
final class ChunkedFile: Sendable {
    private let descriptor: CInt

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "open \(path)") }
        descriptor = fd
    }

    deinit { _ = close(descriptor) }

    /// The next chunk of at most `maxBytes`, or nil at end of file.
    func next(maxBytes: Int) async throws -> ByteBuffer? {
        // Captures self so the descriptor cannot be closed while a read is still using it.
        try await NIOThreadPool.singleton.runIfActive { [self] in
            var buffer = ByteBufferAllocator().buffer(capacity: maxBytes)
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: maxBytes) { raw in
                while true {
                    let n = read(self.descriptor, raw.baseAddress, maxBytes)
                    if n >= 0 { return n }
                    if errno != EINTR { throw IOError(errnoCode: errno, reason: "read") }
                }
            }
            return count == 0 ? nil : buffer
        }
    }
}
