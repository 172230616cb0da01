import Foundation
import Logging
import NIOCore
import NIOPosix

/// A `VirusScanner` backed by ClamAV's clamd, using INSTREAM so clamd needs no access to our files.
public struct ClamdScanner: VirusScanner {
    public struct Configuration: Sendable, Equatable {
        public var endpoint: ClamdEndpoint
        public var connectTimeout: Duration
        /// Covers connecting, streaming and clamd's verdict.
        public var scanTimeout: Duration
        /// Bytes per INSTREAM chunk; clamd's default StreamMaxLength is far larger.
        public var chunkSize: Int

        public init(
            endpoint: ClamdEndpoint,
            connectTimeout: Duration = .seconds(5),
            scanTimeout: Duration = .seconds(30),
            chunkSize: Int = 64 * 1024
        ) {
            precondition(chunkSize > 0 && chunkSize <= Int(UInt32.max), "chunkSize must fit a 4-byte length")
            self.endpoint = endpoint
            self.connectTimeout = connectTimeout
            self.scanTimeout = scanTimeout
            self.chunkSize = chunkSize
        }
    }

    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let logger: Logger

    public init(
        _ configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "facepipe.scanning")
    ) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
    }

    public func scan(fileAt url: URL) async throws -> ScanVerdict {
        // Opened before connecting, so a missing file is reported as such and not as a clamd problem.
        let file = try ChunkedFile(path: url.path)
        let chunkSize = configuration.chunkSize
        return try await instream(source: url.lastPathComponent) { writer in
            while true {
                let chunk: ByteBuffer?
                do { chunk = try await file.next(maxBytes: chunkSize) } catch { throw SourceError(underlying: error) }
                guard let chunk else { return }
                try await Self.writeChunk(chunk, to: writer)
            }
        }
    }

    public func scan(bytes: ByteBuffer) async throws -> ScanVerdict {
        let chunkSize = configuration.chunkSize
        return try await instream(source: "\(bytes.readableBytes) bytes") { writer in
            var rest = bytes
            while let chunk = rest.readSlice(length: min(chunkSize, rest.readableBytes)), chunk.readableBytes > 0 {
                try await Self.writeChunk(chunk, to: writer)
            }
        }
    }

    public func ping() async throws {
        let reply = try await exchange(command: "PING")
        try ClamdReply.pong(reply)
    }

    /// INSTREAM: chunks prefixed by a 4-byte big-endian length, ended by a zero length.
    private func instream(
        source: String, sendChunks: @escaping @Sendable (ClamdConnection.Writer) async throws -> Void
    ) async throws -> ScanVerdict {
        let start = ContinuousClock.now
        let reply = try await exchange(command: "INSTREAM") { writer in
            try await sendChunks(writer)
            try await writer.write(ByteBuffer(integer: UInt32(0)))
        }
        let verdict = try ClamdReply.verdict(reply)
        logger.debug("clamd scan", metadata: [
            "source": "\(source)", "reply": "\(reply)", "duration": "\(ContinuousClock.now - start)",
        ])
        return verdict
    }

    private static func writeChunk(_ chunk: ByteBuffer, to writer: ClamdConnection.Writer) async throws {
        try await writer.write(contentsOf: [ByteBuffer(integer: UInt32(chunk.readableBytes)), chunk])
    }

    private func exchange(
        command: String, send: @escaping @Sendable (ClamdConnection.Writer) async throws -> Void = { _ in }
    ) async throws -> String {
        let configuration = configuration
        let group = group
        return try await withDeadline(configuration.scanTimeout) {
            let connection = try await ClamdConnection.connect(
                to: configuration.endpoint, group: group, timeout: configuration.connectTimeout)
            return try await connection.exchange(command: command, send: send)
        }
    }
}
