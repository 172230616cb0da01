import Foundation
import FacepipeCore
import Logging
import Testing

@testable import Imaging

@Suite struct RuntimeTests {
    @Test func startsOnceWithOneThreadByDefault() throws {
        let first = try VipsRuntime.start()
        #expect(first.concurrency == 1)
        // liborc's run-time SIMD code crashed the process under load: off unless asked for.
        #expect(!first.vectorized && !VipsRuntime.isVectorized)
        // Later calls cannot reconfigure a running libvips.
        let second = try VipsRuntime.start(.init(concurrency: 4))
        #expect(second == first)
    }

    /// libvips warns (GLib "VIPS" domain) while decoding a truncated JPEG
    /// leniently; the warning reaches the Logger instead of stderr.
    @Test func libvipsWarningsReachTheLogger() throws {
        let collector = CollectingLogHandler()
        var logger = Logger(label: "imaging-test") { _ in collector }
        logger.logLevel = .trace
        VipsRuntime.setLogger(logger)
        defer { VipsRuntime.setLogger(nil) }

        let intact = try Fixture.encode(Raster.noise(width: 256, height: 256), .jpeg)
        let truncated = intact.prefix(intact.count / 2)
        _ = try Thumbnailer.thumbnail(truncated, .cover(width: 32, height: 32), strictness: .lenient)
        #expect(collector.messages.contains { $0.hasPrefix("libvips: ") })
    }
}

final class CollectingLogHandler: LogHandler, Sendable {
    private let storage = Locked<[String]>([])
    var messages: [String] { storage.withLock { $0 } }

    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        storage.withLock { $0.append(event.message.description) }
    }
}
