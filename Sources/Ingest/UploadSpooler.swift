import Crypto
import FacepipeCore
import Foundation

/// Streams one uploaded file to a temporary file while hashing it, so a request never sits in
/// memory and the size limit is enforced as bytes arrive (not after).
public final class UploadSpooler {
    public let url: URL
    public private(set) var byteCount: Int64 = 0
    /// The first bytes, for type sniffing.
    public private(set) var head: [UInt8] = []
    private let handle: FileHandle
    private let maxBytes: Int64
    private var hasher = SHA256()
    private var closed = false

    public init(directory: URL, maxBytes: Int) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent("\(UUID().uuidString.lowercased()).part")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
        self.maxBytes = Int64(maxBytes)
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }

    /// Appends a chunk; throws 413 as soon as the limit is passed.
    public func append(_ chunk: some Collection<UInt8>) throws {
        byteCount += Int64(chunk.count)
        guard byteCount <= maxBytes else {
            throw APIError(status: 413, code: "file_too_large", message: "file exceeds the \(maxBytes >> 20) MB limit")
        }
        if head.count < 32 { head += chunk.prefix(32 - head.count) }
        let bytes = Array(chunk)
        hasher.update(data: bytes)
        try handle.write(contentsOf: bytes)
    }

    /// Flushes the file and returns the SHA-256 of everything written (lowercase hex).
    public func finish() throws -> String {
        if !closed {
            try handle.synchronize()
            try handle.close()
            closed = true
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
