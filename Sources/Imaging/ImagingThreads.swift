import FacepipeCore
import Foundation

/// Threads for CPU-bound image work (decoding, thumbnails, detection, embedding), one per core.
/// Kept apart from NIO's shared blocking pool, which file and socket I/O (media store, clamd)
/// also use: a queue of 12 MP decodes there would delay a virus scan or a file read by seconds.
///
/// A call whose task is cancelled (a job past its processing timeout, a client gone) is
/// abandoned rather than waited for; see `AbandonableThreadPool` for why and what it costs.
public enum ImagingThreads {
    public static let pool = AbandonableThreadPool(
        name: "imaging", size: max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// Runs CPU-bound work on the imaging pool.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.run(body)
    }
}
