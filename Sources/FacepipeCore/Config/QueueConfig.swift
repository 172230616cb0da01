/// Job queue and worker settings.
public struct QueueConfig: Sendable, Equatable {
    /// Jobs one worker process runs at once (`PROCESSOR_CONCURRENCY`).
    public var concurrency: Int
    /// Fallback poll when no NOTIFY arrives; also how often expired leases are reclaimed.
    public var pollIntervalMilliseconds: Int
    /// How long a claim stays valid without a heartbeat; a dead worker's jobs return after it.
    public var leaseSeconds: Int
    public var maxAttempts: Int
    public var backoff: Backoff
    /// Registers the `diagnostic.*` job kinds (used by tests and benchmarks).
    public var diagnosticJobs: Bool
    /// How long one attempt of an image job (process_image, embed_faces, anonymize,
    /// render_document) may run before it is ended and retried (`IMAGE_PROCESSING_TIMEOUT`).
    public var imageProcessingTimeout: Duration
    /// The same for every other kind (`JOB_TIMEOUT`); webhooks and erasure have their own,
    /// shorter network timeouts inside.
    public var jobTimeout: Duration

    public init(
        concurrency: Int = 2, pollIntervalMilliseconds: Int = 1000, leaseSeconds: Int = 60,
        maxAttempts: Int = 5, backoff: Backoff = Backoff(), diagnosticJobs: Bool = false,
        imageProcessingTimeout: Duration = .seconds(60), jobTimeout: Duration = .seconds(600)
    ) {
        self.concurrency = concurrency
        self.pollIntervalMilliseconds = pollIntervalMilliseconds
        self.leaseSeconds = leaseSeconds
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.diagnosticJobs = diagnosticJobs
        self.imageProcessingTimeout = imageProcessingTimeout
        self.jobTimeout = jobTimeout
    }

    /// The kinds whose work is decoding, inference or encoding of images.
    public static let imageKinds: Set<JobKind> = [.processImage, .embedFaces, .anonymize, .renderDocument]

    /// How long one attempt of `kind` may run, and the setting that says so (named in the
    /// error of an attempt that ran out).
    public func timeout(for kind: JobKind) -> (limit: Duration, setting: String) {
        Self.imageKinds.contains(kind) ? (imageProcessingTimeout, "IMAGE_PROCESSING_TIMEOUT") : (jobTimeout, "JOB_TIMEOUT")
    }

    public init(from source: some ConfigSource) throws {
        self.init(
            concurrency: try source.int("PROCESSOR_CONCURRENCY", default: 2, range: 1...256),
            pollIntervalMilliseconds: try source.int("QUEUE_POLL_INTERVAL_MS", default: 1000, range: 10...600_000),
            leaseSeconds: try source.int("QUEUE_LEASE_SECONDS", default: 60, range: 1...86_400),
            maxAttempts: try source.int("QUEUE_MAX_ATTEMPTS", default: 5, range: 1...100),
            backoff: Backoff(
                baseMilliseconds: try source.int("QUEUE_BACKOFF_BASE_MS", default: 1000, range: 1...3_600_000),
                maxMilliseconds: try source.int("QUEUE_BACKOFF_MAX_MS", default: 300_000, range: 1...86_400_000)),
            diagnosticJobs: try source.bool("QUEUE_DIAGNOSTIC_JOBS", default: false),
            imageProcessingTimeout: .milliseconds(try Self.milliseconds(source, "IMAGE_PROCESSING_TIMEOUT", default: 60_000)),
            jobTimeout: .seconds(try source.int("JOB_TIMEOUT", default: 600, range: 1...86_400)))
    }

    /// A duration in milliseconds, as seed 000 writes `IMAGE_PROCESSING_TIMEOUT` (60000 is a
    /// minute), or with a unit (`90s`, `1500ms`). A bare number under 10000 is refused: older
    /// releases read this setting in seconds, and 1800 meant half an hour, not 1.8 s.
    static func milliseconds(_ source: some ConfigSource, _ name: String, default fallback: Int) throws -> Int {
        guard let raw = source.value(name)?.lowercased() else { return fallback }
        let expected = "milliseconds as in seed 000 (60000 is a minute), at least 10000, or a number with a unit: 90s, 1500ms"
        let value: Int?
        if raw.hasSuffix("ms") {
            value = Int(raw.dropLast(2).trimmingCharacters(in: .whitespaces))
        } else if raw.hasSuffix("s") {
            value = Int(raw.dropLast().trimmingCharacters(in: .whitespaces)).map { $0 * 1000 }
        } else {
            value = Int(raw).flatMap { $0 >= 10_000 ? $0 : nil }
        }
        guard let value, (1000...86_400_000).contains(value) else {
            throw ConfigError(variable: name, value: raw, expected: expected)
        }
        return value
    }
}

/// Exponential backoff with "equal jitter": attempt n waits between d/2 and d, where
/// d = min(max, base · 2^(n-1)). Half the delay is fixed so delays keep growing; the other
/// half is random so failed jobs do not retry in lock-step.
public struct Backoff: Sendable, Equatable {
    public var baseMilliseconds: Int
    public var maxMilliseconds: Int

    public init(baseMilliseconds: Int = 1000, maxMilliseconds: Int = 300_000) {
        self.baseMilliseconds = baseMilliseconds
        self.maxMilliseconds = max(maxMilliseconds, baseMilliseconds)
    }

    /// The ceiling d for the given attempt (1-based).
    public func ceilingMilliseconds(attempt: Int) -> Int {
        let exponent = min(max(attempt - 1, 0), 40)
        let (scaled, overflow) = baseMilliseconds.multipliedReportingOverflow(by: 1 << exponent)
        return overflow ? maxMilliseconds : min(scaled, maxMilliseconds)
    }

    public func delayMilliseconds(attempt: Int, using generator: inout some RandomNumberGenerator) -> Int {
        let ceiling = ceilingMilliseconds(attempt: attempt)
        let half = ceiling / 2
        return half + Int.random(in: 0...(ceiling - half), using: &generator)
    }

    public func delayMilliseconds(attempt: Int) -> Int {
        var generator = SystemRandomNumberGenerator()
        return delayMilliseconds(attempt: attempt, using: &generator)
    }
}
