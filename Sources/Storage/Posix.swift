import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the system calls the local store and file uploads use, turning
/// failures into `MediaStoreError.io` and retrying interrupted calls.
enum Posix {
    @discardableResult
    static func call<T: BinaryInteger>(_ operation: String, _ path: String, _ body: () -> T) throws -> T {
        while true {
            let result = body()
            if result >= 0 { return result }
            let error = errno
            if error == EINTR { continue }
            throw MediaStoreError.io(operation: operation, path: path, errno: error)
        }
    }

    static func isRegularFile(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFREG }

    static func fileStat(_ fd: CInt, path: String) throws -> stat {
        var info = stat()
        try call("fstat", path) { fstat(fd, &info) }
        return info
    }

    /// Writes all of `bytes`, looping over short writes.
    static func writeAll(_ fd: CInt, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            offset += try call("write", path) { write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
        }
    }
}

/// An open file descriptor, closed when the last reference goes. Reads use `pread`, which
/// carries its own offset, so one instance can safely serve several readers.
final class OpenFile: Sendable {
    let fd: CInt
    let path: String

    init(fd: CInt, path: String) {
        self.fd = fd
        self.path = path
    }

    /// Opens `path` for reading. Stored objects are opened with `followSymlink: false` (their
    /// path is already resolved, so a symlink there appeared since); a caller's source file may
    /// well be a symlink.
    static func reading(_ path: String, followSymlink: Bool) throws -> OpenFile {
        let flags = O_RDONLY | O_CLOEXEC | (followSymlink ? 0 : O_NOFOLLOW)
        let fd = try Posix.call("open", path) { open(path, flags) }
        return OpenFile(fd: fd, path: path)
    }

    deinit { close(fd) }

    /// Reads up to `count` bytes at `offset`; an empty buffer means end of file.
    func read(count: Int, at offset: Int64) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { memory in
            try Posix.call("read", path) { pread(fd, memory.baseAddress, count, off_t(offset)) }
        }
        return buffer
    }
}
