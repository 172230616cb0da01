import FacepipeCore
import Foundation
import Logging
import Metrics
import NIOCore

/// Puts this process's scans in line for the scanner and gives a busy scanner a second chance.
///
/// clamd scans with a fixed number of threads (`MaxThreads`); connections beyond them wait in
/// its queue, where our scan timeout runs out although nothing is wrong. So at most `slots`
/// scans go to the scanner at once and the rest wait here, where the wait is not counted against
/// the timeout and its length is a metric (`facepipe_scanner_queue_depth`). A scan that still
/// times out is either a busy scanner or a dead one: a ping tells which. A scanner that answers
/// the ping is asked again (up to `attempts` scans in all); one that does not is unreachable.
/// So `ScanError.timeout` out of here means "up but overloaded" and `.unreachable` "down".
public struct ScanQueue: VirusScanner {
    public let scanner: any VirusScanner
    public let attempts: Int
    private let slots: ScanSlots
    private let logger: Logger

    public init(_ scanner: any VirusScanner, slots: Int, attempts: Int, logger: Logger = Logger(label: "facepipe.scanning")) {
        self.scanner = scanner
        self.attempts = max(1, attempts)
        self.slots = ScanSlots(max(1, slots))
        self.logger = logger
    }

    /// In line as the settings say (`CLAMAV_MAX_CONCURRENT_SCANS`, `CLAMAV_SCAN_ATTEMPTS`).
    public init(_ scanner: any VirusScanner, config: ScannerConfig, logger: Logger = Logger(label: "facepipe.scanning")) {
        self.init(scanner, slots: config.maxConcurrentScans, attempts: config.scanAttempts, logger: logger)
    }

    public func scan(fileAt url: URL) async throws -> ScanVerdict {
        try await inLine { try await scanner.scan(fileAt: url) }
    }

    public func scan(bytes: ByteBuffer) async throws -> ScanVerdict {
        try await inLine { try await scanner.scan(bytes: bytes) }
    }

    public func ping() async throws { try await scanner.ping() }

    /// Scans waiting for a slot now.
    public var waiting: Int { get async { await slots.waiting } }

    private func inLine(_ scan: @Sendable () async throws -> ScanVerdict) async throws -> ScanVerdict {
        try await slots.acquire()
        do {
            let verdict = try await attempt(scan)
            await slots.release()
            return verdict
        } catch {
            await slots.release()
            throw error
        }
    }

    private func attempt(_ scan: @Sendable () async throws -> ScanVerdict) async throws -> ScanVerdict {
        var attempt = 1
        while true {
            do {
                return try await scan()
            } catch ScanError.timeout where attempt < attempts {
                do {
                    try await scanner.ping()
                } catch {
                    logger.error("virus scanner timed out and does not answer a ping", metadata: ["error": "\(error)"])
                    throw ScanError.unreachable("timed out, and no answer to PING: \(error)")
                }
                attempt += 1
                ScanMetrics.retries.increment()
                logger.warning("virus scan timed out while the scanner is up; scanning again", metadata: ["attempt": "\(attempt)"])
            }
        }
    }
}

/// At most `count` scans at once; the rest wait in arrival order. A waiter whose task is
/// cancelled leaves the line without taking a slot.
actor ScanSlots {
    private var free: Int
    private var line: [(id: UInt64, continuation: CheckedContinuation<Void, Error>)] = []
    private var nextID: UInt64 = 0

    init(_ count: Int) { free = count }

    var waiting: Int { line.count }

    func acquire() async throws {
        if free > 0 && line.isEmpty {
            free -= 1
            return
        }
        nextID += 1
        let id = nextID
        ScanMetrics.queueDepth.record(line.count + 1)
        try await withTaskCancellationHandler {
            try await PendingWaits.track("clamd scan queue") {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        line.append((id, continuation))
                    }
                }
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    func release() {
        if line.isEmpty {
            free += 1
        } else {
            // The slot passes straight to the next in line.
            line.removeFirst().continuation.resume()
        }
        ScanMetrics.queueDepth.record(line.count)
    }

    private func cancel(_ id: UInt64) {
        guard let index = line.firstIndex(where: { $0.id == id }) else { return }  // already given a slot
        line.remove(at: index).continuation.resume(throwing: CancellationError())
        ScanMetrics.queueDepth.record(line.count)
    }
}

enum ScanMetrics {
    /// Scans of this process waiting for a slot (clamd busy with as many as we allow).
    static let queueDepth = Gauge(label: "facepipe_scanner_queue_depth")
    /// Scans made again after a timeout while the scanner answered PING.
    static let retries = Counter(label: "facepipe_scanner_retries_total")
}
