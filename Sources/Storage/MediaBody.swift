import AsyncHTTPClient
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a stored object as an async sequence of buffers, whichever store they come
/// from. Pull-based: nothing is read until the consumer asks, so a slow client never makes
/// the server buffer a whole file.
public struct MediaBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    enum Source: Sendable {
        case file(FileChunks)
        case http(HTTPClientResponse.Body)
    }

    let source: Source

    public func makeAsyncIterator() -> AsyncIterator {
        switch source {
        case .file(let chunks): AsyncIterator(inner: .file(chunks.makeAsyncIterator()))
        case .http(let body): AsyncIterator(inner: .http(body.makeAsyncIterator()))
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        enum Inner {
            case file(FileChunks.AsyncIterator)
            case http(HTTPClientResponse.Body.AsyncIterator)
        }

        var inner: Inner

        public mutating func next() async throws -> ByteBuffer? {
            switch inner {
            case .file(var iterator):
                defer { inner = .file(iterator) }
                return try await iterator.next()
            case .http(var iterator):
                defer { inner = .http(iterator) }
                return try await iterator.next()
            }
        }
    }
}

/// `[start, end)` of an open file in chunks, read on NIO's blocking-I/O thread pool so disk
/// waits never stall the concurrency pool.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    static let chunkSize = 128 << 10

    let file: OpenFile
    let start: Int64
    let end: Int64

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(file: file, position: start, end: end) }

    struct AsyncIterator: AsyncIteratorProtocol {
        let file: OpenFile
        var position: Int64
        let end: Int64

        mutating func next() async throws -> ByteBuffer? {
            guard position < end else { return nil }
            let file = self.file, position = self.position
            let count = Int(Swift.min(Int64(FileChunks.chunkSize), end - position))
            let chunk = try await NIOThreadPool.singleton.runIfActive { try file.read(count: count, at: position) }
            // The file shrank under us: fail rather than send a short body after a Content-Length.
            guard chunk.readableBytes > 0 else {
                throw MediaStoreError.io(operation: "read (file shrank while being read)", path: file.path, errno: EIO)
            }
            self.position += Int64(chunk.readableBytes)
            return chunk
        }
    }
}
