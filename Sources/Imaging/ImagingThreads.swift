import Foundation
import NIOPosix

/// Threads for CPU-bound image work (decoding, thumbnails, detection, embedding). Kept apart from
/// NIO's shared blocking pool, which file and socket I/O (media store, clamd) also use: a queue of
/// 12 MP decodes there would delay a virus scan or a file read by seconds.
public enum ImagingThreads {
    public static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(1, ProcessInfo.processInfo.activeProcessorCount))
        pool.start()
        return pool
    }()

    /// Runs CPU-bound work on the imaging pool.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}
