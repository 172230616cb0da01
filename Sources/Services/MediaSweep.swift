import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Storage

/// Reconciles the local media store with the database, at start and every
/// `MEDIA_SWEEP_INTERVAL_MINUTES`: a file under `originals/`, `thumbnails/`, `faces/` or
/// `processed/` that no row refers to (a process died between writing it and committing the row
/// that records it) is deleted once it is older than `grace`, and so are `tmp/*.part` files and
/// upload spool files left by a crash. The grace period keeps it away from writes in flight:
/// files are written inside the transaction that records them, which takes milliseconds, and
/// the sweep only looks at files older than 15 minutes. Safe on several instances at once
/// (deletes are idempotent). S3 buckets are not swept (a lifecycle rule on `tmp/` does that part).
public struct MediaSweep: Service {
    public struct Report: Sendable, Equatable {
        public var checked = 0
        public var orphansRemoved: [String] = []
        public var partsRemoved = 0
        public var spoolRemoved = 0
    }

    let store: LocalMediaStore
    let files: ImageFileRepository
    let spool: URL
    let interval: Duration?
    let grace: Duration
    let logger: Logger

    public init(store: LocalMediaStore, client: DatabaseClient, spool: URL, intervalMinutes: Int, grace: Duration = .seconds(900),
                logger: Logger) {
        self.store = store
        self.files = ImageFileRepository(client: client, logger: logger)
        self.spool = spool
        self.interval = intervalMinutes > 0 ? .seconds(intervalMinutes * 60) : nil
        self.grace = grace
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            repeat {
                do {
                    _ = try await sweep()
                } catch {
                    // The database may be down: the next round tries again.
                    logger.warning("media sweep failed", metadata: ["error": "\(error)"])
                }
                guard let interval else { break }
                try? await Task.sleep(for: interval)
            } while !Task.isCancelled
        }
        // A service that returns ends the whole group: with no interval, wait for shutdown.
        if interval == nil { try? await gracefulShutdown() }
    }

    /// One pass; logs what it removed.
    public func sweep() async throws -> Report {
        var report = Report()
        let cutoff = Date().addingTimeInterval(-Double(grace.components.seconds))
        report.partsRemoved = try await store.removeStaleParts(olderThan: grace)
        report.spoolRemoved = Self.removeStaleSpool(spool, before: cutoff)
        let keys = try await store.keys(under: ["originals", "thumbnails", "faces", "processed"], modifiedBefore: cutoff)
        report.checked = keys.count
        for start in stride(from: 0, to: keys.count, by: 1000) {
            let batch = keys[start..<min(keys.count, start + 1000)].map(\.rawValue)
            for orphan in try await files.unreferenced(batch) {
                try await store.delete(try MediaKey(orphan))
                report.orphansRemoved.append(orphan)
            }
        }
        if !report.orphansRemoved.isEmpty || report.partsRemoved > 0 || report.spoolRemoved > 0 {
            logger.notice("media sweep removed files nothing refers to", metadata: [
                "orphans": "\(report.orphansRemoved.count)", "examples": "\(report.orphansRemoved.prefix(5))",
                "parts": "\(report.partsRemoved)", "spool": "\(report.spoolRemoved)", "checked": "\(report.checked)",
            ])
        }
        return report
    }

    /// Upload spool files (a request's body on its way to the store) older than `date`.
    static func removeStaleSpool(_ folder: URL, before date: Date) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return 0 }
        var removed = 0
        for name in names {
            let url = folder.appendingPathComponent(name)
            guard let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .contentModificationDateKey]),
                  values.isRegularFile == true, let modified = values.contentModificationDate, modified < date else { continue }
            if (try? FileManager.default.removeItem(at: url)) != nil { removed += 1 }
        }
        return removed
    }
}
