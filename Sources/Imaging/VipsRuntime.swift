import CVips
import Foundation
import FacepipeCore
import Logging

/// Process-wide libvips start-up. Every Imaging entry point starts libvips with
/// the default configuration on first use; call `start` early (before any image
/// work) to choose the configuration and the logger yourself.
public enum VipsRuntime {
    /// How libvips runs inside this process.
    public struct Configuration: Sendable, Hashable {
        /// libvips worker threads per image pipeline (`vips_concurrency_set`).
        /// One thread per image was as fast as several on a loaded 2-core host;
        /// parallelism comes from processing several images at once.
        public var concurrency: Int
        /// Operation cache limits. Uploads are never processed twice, so the
        /// cache is off by default; reuse happens through `DecodedImage`.
        public var cacheMaxOperations: Int
        public var cacheMaxMemoryBytes: Int
        public var cacheMaxOpenFiles: Int
        /// liborc's run-time SIMD code for some operations. Off: with several images in flight
        /// it crashed the process inside liborc (Debian 12's 0.4.33; `facepipe bench duplicates`
        /// died with SIGSEGV in liborc within minutes, every run). `VIPS_VECTOR=1` turns it on
        /// for measuring.
        public var vectorized: Bool

        public init(
            concurrency: Int = 1, cacheMaxOperations: Int = 0,
            cacheMaxMemoryBytes: Int = 0, cacheMaxOpenFiles: Int = 0,
            vectorized: Bool = ProcessInfo.processInfo.environment["VIPS_VECTOR"] == "1"
        ) {
            self.vectorized = vectorized
            self.concurrency = concurrency
            self.cacheMaxOperations = cacheMaxOperations
            self.cacheMaxMemoryBytes = cacheMaxMemoryBytes
            self.cacheMaxOpenFiles = cacheMaxOpenFiles
        }
    }

    private static let started = Locked<Configuration?>(nil)

    /// Starts libvips once. Later calls change nothing and return the
    /// configuration that is in effect. `logger` receives libvips' GLib
    /// messages (critical → warning, warning → debug, info → trace); without
    /// one they are dropped. Loaders other than JPEG, PNG, WebP, GIF and HEIF
    /// (ImageMagick, PDF, SVG, TIFF, …) are blocked for untrusted input.
    @discardableResult
    public static func start(_ configuration: Configuration = .init(), logger: Logger? = nil) throws
        -> Configuration
    {
        if let logger { VipsLog.setLogger(logger) }
        return try started.withLock { current in
            if let current { return current }
            guard configuration.concurrency >= 1 else {
                throw ImagingError.invalidArgument("concurrency must be at least 1")
            }
            let result = cvips_start(
                "facepipe", Int32(clamping: configuration.concurrency),
                Int32(clamping: max(0, configuration.cacheMaxOperations)),
                max(0, configuration.cacheMaxMemoryBytes),
                Int32(clamping: max(0, configuration.cacheMaxOpenFiles)),
                configuration.vectorized ? 1 : 0, VipsLog.forward)
            guard result == 0 else {
                throw ImagingError.startupFailed(Vips.takeError(since: 0))
            }
            current = configuration
            return configuration
        }
    }

    /// Whether libvips is running liborc's generated SIMD code.
    public static var isVectorized: Bool { cvips_vector_enabled() != 0 }

    /// Replaces the logger that receives libvips messages (nil drops them).
    public static func setLogger(_ logger: Logger?) {
        VipsLog.setLogger(logger)
    }

    static func ensureStarted() throws {
        try start()
    }
}
