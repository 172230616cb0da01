import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Media in a local folder, one file per key.
///
/// - Writes go to `tmp/{uuid}.part`, are fsync'd, then renamed into place (and the folder
///   fsync'd), so readers see the old object or the new one, never half of one; a failed
///   write removes its `.part`. Writes never follow symlinks (each folder is opened with
///   `O_NOFOLLOW`), so they cannot create anything outside the root.
/// - Reads resolve the key with `realpath` and refuse anything that lands outside the root.
/// - ETag: `"{inode}-{size}-{mtime ns}"` in hex. Every write is a fresh file renamed into
///   place, so replacing an object always changes it; it costs nothing to compute and needs
///   no extended attributes or sidecar files. It is not a content hash: the same bytes
///   written twice get two ETags, which only costs a client one extra download.
/// - Content type comes from the key's extension; a `contentType` given to `put` is not kept.
///
/// System calls run on NIO's blocking-I/O thread pool.
public struct LocalMediaStore: MediaStore {
    /// The canonical (symlink-free) root.
    public let root: URL
    private let rootPath: String

    /// Creates the root folder if it is missing.
    public init(root: URL) throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        guard let real = realpath(root.path, nil) else {
            throw MediaStoreError.io(operation: "realpath", path: root.path, errno: errno)
        }
        defer { free(real) }
        rootPath = String(cString: real)
        self.root = URL(fileURLWithPath: rootPath, isDirectory: true)
    }

    // MARK: MediaStore

    @discardableResult
    public func put(_ key: MediaKey, file: URL, contentType: String?) async throws -> StoredObject {
        try await blocking {
            let source = try OpenFile.reading(file.path, followSymlink: true)
            return try writeAtomically(key) { part, partPath in
                var offset: Int64 = 0
                while true {
                    let chunk = try source.read(count: FileChunks.chunkSize, at: offset)
                    if chunk.readableBytes == 0 { return }
                    try chunk.withUnsafeReadableBytes { try Posix.writeAll(part, $0, path: partPath) }
                    offset += Int64(chunk.readableBytes)
                }
            }
        }
    }

    @discardableResult
    public func put(_ key: MediaKey, bytes: ByteBuffer, contentType: String?) async throws -> StoredObject {
        try await blocking {
            try writeAtomically(key) { part, partPath in
                try bytes.withUnsafeReadableBytes { try Posix.writeAll(part, $0, path: partPath) }
            }
        }
    }

    public func stream(_ key: MediaKey, range: ByteRange?) async throws -> MediaObjectStream? {
        try await blocking {
            guard let (file, info) = try openForReading(key) else { return nil }
            var selected: ClosedRange<Int64>?
            if let range {
                guard let resolved = range.resolved(size: info.size) else {
                    throw MediaStoreError.rangeNotSatisfiable(size: info.size)
                }
                selected = resolved
            }
            let start = selected?.lowerBound ?? 0, end = (selected?.upperBound ?? info.size - 1) + 1
            let body = MediaBody(source: .file(FileChunks(file: file, start: start, end: end)))
            return MediaObjectStream(info: info, range: selected, body: body)
        }
    }

    public func head(_ key: MediaKey) async throws -> MediaObjectInfo? {
        try await blocking { try openForReading(key)?.info }
    }

    public func delete(_ key: MediaKey) async throws {
        try await blocking {
            let parentKey = key.segments.dropLast().joined(separator: "/")
            let parentPath = parentKey.isEmpty ? rootPath : "\(rootPath)/\(parentKey)"
            guard let parent = try resolveInsideRoot(parentPath, key: key) else { return }
            let path = "\(parent)/\(key.segments.last!)"
            // unlink removes a symlink itself, never its target, so no further check is needed.
            if unlink(path) != 0, ![ENOENT, EISDIR].contains(errno) {
                throw MediaStoreError.io(operation: "unlink", path: path, errno: errno)
            }
        }
    }

    public func presignedPutURL(key: MediaKey, contentType: String, expiresIn: Duration) async throws -> URL? { nil }

    public func presignedGetURL(key: MediaKey, expiresIn: Duration) async throws -> URL? { nil }

    /// Removes `.part` files older than `age` from the staging folder: what a crash or a kill
    /// in the middle of a write leaves behind. Returns how many it removed. Run it at start.
    @discardableResult
    public func removeStaleParts(olderThan age: Duration = .seconds(3600)) async throws -> Int {
        try await blocking {
            let tmp = "\(rootPath)/tmp"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: tmp) else { return 0 }
            let cutoff = Date().timeIntervalSince1970 - Double(age.components.seconds)
            var removed = 0
            for name in names where name.hasSuffix(".part") {
                var status = stat()
                guard lstat("\(tmp)/\(name)", &status) == 0, Posix.isRegularFile(status),
                      Double(status.st_mtim.tv_sec) < cutoff else { continue }
                if unlink("\(tmp)/\(name)") == 0 { removed += 1 }
            }
            return removed
        }
    }

    /// Keys of the files under `prefixes` (e.g. `originals`) last written before `date`, for the
    /// reconciliation sweep. Symlinks and anything that is not a regular file are skipped.
    public func keys(under prefixes: [String], modifiedBefore date: Date) async throws -> [MediaKey] {
        let root = rootPath
        return try await blocking {
            var keys: [MediaKey] = []
            for prefix in prefixes {
                let base = URL(fileURLWithPath: "\(root)/\(prefix)", isDirectory: true)
                guard let walker = FileManager.default.enumerator(
                    at: base, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey, .contentModificationDateKey])
                else { continue }
                for case let url as URL in walker {
                    let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey, .contentModificationDateKey])
                    guard values?.isRegularFile == true, values?.isSymbolicLink != true,
                          let modified = values?.contentModificationDate, modified < date else { continue }
                    let path = url.standardizedFileURL.path
                    guard path.hasPrefix(root + "/"), let key = try? MediaKey(String(path.dropFirst(root.count + 1))) else { continue }
                    keys.append(key)
                }
            }
            return keys
        }
    }

    // MARK: Reading

    /// The canonical path of `path` if it exists, nil if it does not; throws if it resolves
    /// outside the root.
    private func resolveInsideRoot(_ path: String, key: MediaKey) throws -> String? {
        guard let real = realpath(path, nil) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw MediaStoreError.io(operation: "realpath", path: path, errno: errno)
        }
        defer { free(real) }
        let resolved = String(cString: real)
        guard resolved == rootPath || resolved.hasPrefix(rootPath == "/" ? "/" : rootPath + "/") else {
            throw MediaStoreError.outsideRoot(key: key.rawValue)
        }
        return resolved
    }

    private func openForReading(_ key: MediaKey) throws -> (file: OpenFile, info: MediaObjectInfo)? {
        guard let path = try resolveInsideRoot("\(rootPath)/\(key.rawValue)", key: key) else { return nil }
        let file: OpenFile
        do {
            file = try OpenFile.reading(path, followSymlink: false)
        } catch MediaStoreError.io(_, _, let error) where error == ENOENT {
            return nil  // deleted between realpath and open
        }
        let status = try Posix.fileStat(file.fd, path: path)
        guard Posix.isRegularFile(status) else { return nil }  // a folder is not an object
        return (file, info(status, key: key))
    }

    private func info(_ status: stat, key: MediaKey) -> MediaObjectInfo {
        let mtimeNanos = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        let etag = "\"\(String(status.st_ino, radix: 16))-\(String(status.st_size, radix: 16))-\(String(mtimeNanos, radix: 16))\""
        return MediaObjectInfo(
            size: Int64(status.st_size),
            contentType: ContentType.forKey(key),
            etag: etag,
            lastModified: Date(timeIntervalSince1970: Double(mtimeNanos) / 1e9)
        )
    }

    // MARK: Writing

    /// Fills `tmp/{uuid}.part` with `fill`, fsyncs it, renames it to `key` and fsyncs the
    /// folder; on any failure the `.part` is removed.
    private func writeAtomically(
        _ key: MediaKey, fill: (_ fd: CInt, _ path: String) throws -> Void
    ) throws -> StoredObject {
        let tmp = try openFolder(["tmp"], key: key)
        defer { close(tmp) }
        let partName = "\(UUID().uuidString.lowercased()).part"
        let partPath = "\(rootPath)/tmp/\(partName)"
        let part = try Posix.call("create", partPath) {
            openat(tmp, partName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
        }
        do {
            defer { close(part) }
            try fill(part, partPath)
            try Posix.call("fsync", partPath) { fsync(part) }
            let status = try Posix.fileStat(part, path: partPath)  // rename keeps inode and mtime
            let folder = try openFolder(key.segments.dropLast().map(String.init), key: key)
            defer { close(folder) }
            let name = String(key.segments.last!)
            try Posix.call("rename", "\(rootPath)/\(key.rawValue)") { renameat(tmp, partName, folder, name) }
            try Posix.call("fsync", "\(rootPath)/\(key.rawValue)") { fsync(folder) }
            let info = info(status, key: key)
            return StoredObject(key: key, size: info.size, etag: info.etag)
        } catch {
            unlinkat(tmp, partName, 0)
            throw error
        }
    }

    /// Opens (creating as needed) the folder `segments` under the root, one level at a time
    /// with `O_NOFOLLOW`: a symlinked folder anywhere on the way is refused.
    private func openFolder(_ segments: [String], key: MediaKey) throws -> CInt {
        var fd = try Posix.call("open", rootPath) { open(rootPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        var path = rootPath
        for segment in segments {
            let parent = fd
            defer { close(parent) }
            path += "/" + segment
            if mkdirat(parent, segment, 0o750) != 0, errno != EEXIST {
                throw MediaStoreError.io(operation: "mkdir", path: path, errno: errno)
            }
            fd = openat(parent, segment, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else {
                let error = errno
                // Linux says ENOTDIR (not ELOOP) for a symlink opened with O_DIRECTORY | O_NOFOLLOW.
                var status = stat()
                if fstatat(parent, segment, &status, AT_SYMLINK_NOFOLLOW) == 0, (status.st_mode & S_IFMT) == S_IFLNK {
                    throw MediaStoreError.outsideRoot(key: key.rawValue)
                }
                throw MediaStoreError.io(operation: "open folder", path: path, errno: error)
            }
        }
        return fd
    }

    private func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
