/// Where media bytes live and how URLs to them are signed.
public struct MediaConfig: Sendable, Equatable {
    public enum Backend: Sendable, Equatable {
        case local(root: String)
        case s3(S3Settings)
    }

    public var backend: Backend
    /// HMAC key for signed media URLs (`MEDIA_SIGNING_SECRET`). Unset: a random key is created
    /// once and kept in `.data/media-signing.key`, so URLs survive restarts.
    public var signingSecret: String?
    /// Lifetime of signed download and upload URLs.
    public var urlTTLSeconds: Int
    /// Base URL used in links the API returns (e.g. https://evidence.example.com).
    public var publicBaseURL: String?

    /// Minutes between reconciliation sweeps of the local store (`MEDIA_SWEEP_INTERVAL_MINUTES`;
    /// 0 = only at start). See `MediaSweep`.
    public var sweepIntervalMinutes: Int = 60

    public init(backend: Backend = .local(root: ".data/media"), signingSecret: String? = nil, urlTTLSeconds: Int = 300,
                publicBaseURL: String? = nil) {
        self.backend = backend
        self.signingSecret = signingSecret
        self.urlTTLSeconds = urlTTLSeconds
        self.publicBaseURL = publicBaseURL
    }

    public init(from source: some ConfigSource) throws {
        let backend: Backend
        // Read either way: an image that sets MEDIA_ROOT for the local default and runs with S3
        // has no unknown setting to warn about.
        let root = source.string("MEDIA_ROOT", default: ".data/media")
        if let bucket = source.value("S3_BUCKET") {
            backend = .s3(try S3Settings(bucket: bucket, from: source))
        } else {
            backend = .local(root: root)
        }
        // Every media URL is signed now (issue 22): a setting asking for unsigned files is refused,
        // not ignored, so nobody believes their files are public when they are not (or the reverse).
        if try source.bool("MEDIA_PUBLIC_DERIVATIVES", default: false) {
            throw ConfigError(variable: "MEDIA_PUBLIC_DERIVATIVES", value: "true",
                              expected: "false or unset: every media URL is signed and short-lived since 0.4; remove the setting")
        }
        let secret = source.value("MEDIA_SIGNING_SECRET")
        try SecretStrength.check(secret, variable: "MEDIA_SIGNING_SECRET", minimumLength: 32)
        self.init(
            backend: backend, signingSecret: secret,
            urlTTLSeconds: try source.int("MEDIA_URL_TTL_SECONDS", default: 300, range: 10...604_800),
            publicBaseURL: source.value("PUBLIC_BASE_URL"))
        sweepIntervalMinutes = try source.int("MEDIA_SWEEP_INTERVAL_MINUTES", default: 60, range: 0...10_080)
    }
}

/// An S3-compatible bucket (AWS, MinIO, Ceph, moto…), addressed path-style by default.
public struct S3Settings: Sendable, Equatable {
    public var endpoint: String
    public var bucket: String
    public var region: String
    public var accessKey: String
    public var secretKey: String
    public var pathStyle: Bool

    public init(endpoint: String, bucket: String, region: String, accessKey: String, secretKey: String, pathStyle: Bool = true) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.pathStyle = pathStyle
    }

    init(bucket: String, from source: some ConfigSource) throws {
        func required(_ name: String) throws -> String {
            guard let value = source.value(name) else {
                throw ConfigError(variable: name, value: "", expected: "a value (required when S3_BUCKET is set)")
            }
            return value
        }
        let endpoint = source.string("S3_ENDPOINT", default: "https://s3.amazonaws.com")
        guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
            throw ConfigError(variable: "S3_ENDPOINT", value: endpoint, expected: "an http:// or https:// URL")
        }
        self.init(
            endpoint: endpoint, bucket: bucket, region: source.string("S3_REGION", default: "us-east-1"),
            accessKey: try required("S3_ACCESS_KEY"), secretKey: try required("S3_SECRET_KEY"),
            pathStyle: try source.bool("S3_PATH_STYLE", default: true))
    }
}

/// Upload limits and checks.
public struct IngestConfig: Sendable, Equatable {
    public var maxFileBytes: Int
    public var maxFilesPerRequest: Int
    public var minDimension: Int
    public var maxDimension: Int
    /// Pixel-count ceiling checked from the header before any decode (decompression bombs).
    public var maxPixels: Int
    /// Pages a document may have (`DOCUMENT_MAX_PAGES`): checked from the first page's header.
    public var documentMaxPages: Int = 50
    /// Resolution PDF pages are rendered at (`DOCUMENT_DPI`), lowered for pages whose long side
    /// would pass `documentMaxPageDimension` pixels.
    public var documentDPI: Double = 150
    /// Long side of a rendered page, in pixels (A4 at 300 dpi).
    public var documentMaxPageDimension: Int = 3508

    public init(maxFileBytes: Int = 20 << 20, maxFilesPerRequest: Int = 10, minDimension: Int = 100, maxDimension: Int = 8000,
                maxPixels: Int = 40_000_000) {
        self.maxFileBytes = maxFileBytes
        self.maxFilesPerRequest = maxFilesPerRequest
        self.minDimension = minDimension
        self.maxDimension = maxDimension
        self.maxPixels = maxPixels
    }

    public init(from source: some ConfigSource) throws {
        self.init(
            maxFileBytes: try source.int("IMAGE_MAX_SIZE_MB", default: 20, range: 1...1024) << 20,
            maxFilesPerRequest: try source.int("UPLOAD_MAX_FILES", default: 10, range: 1...100),
            minDimension: try source.int("IMAGE_MIN_DIMENSION", default: 100, range: 1...10_000),
            maxDimension: try source.int("IMAGE_MAX_DIMENSION", default: 8000, range: 16...65_535),
            maxPixels: try source.int("IMAGE_MAX_PIXELS", default: 40_000_000, range: 1...1_000_000_000))
        documentMaxPages = try source.int("DOCUMENT_MAX_PAGES", default: 50, range: 1...1000)
        documentDPI = try source.double("DOCUMENT_DPI", default: 150, range: 36...600)
    }
}

/// The virus scanner. Off unless configured (signatures cannot be fetched offline).
public struct ScannerConfig: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        case unixSocket(String)
        case tcp(host: String, port: Int)
    }
    /// What to do with an upload when the configured scanner cannot be reached.
    public enum WhenUnavailable: String, Sendable, CaseIterable { case reject, accept }

    public var endpoint: Endpoint?
    public var whenUnavailable: WhenUnavailable
    /// One scan, from connecting to clamd's verdict (`CLAMAV_TIMEOUT_SECONDS`). Waiting for a
    /// slot (below) is not counted.
    public var timeoutSeconds: Int
    /// Scans one process sends clamd at once (`CLAMAV_MAX_CONCURRENT_SCANS`); more wait in line
    /// here. Keep it at or under clamd's `MaxThreads` (10 by default) divided by API processes.
    public var maxConcurrentScans: Int
    /// Scans tried per upload while clamd times out but answers PING (`CLAMAV_SCAN_ATTEMPTS`).
    public var scanAttempts: Int

    public init(
        endpoint: Endpoint? = nil, whenUnavailable: WhenUnavailable = .reject, timeoutSeconds: Int = 30,
        maxConcurrentScans: Int = 4, scanAttempts: Int = 3
    ) {
        self.endpoint = endpoint
        self.whenUnavailable = whenUnavailable
        self.timeoutSeconds = timeoutSeconds
        self.maxConcurrentScans = maxConcurrentScans
        self.scanAttempts = scanAttempts
    }

    public init(from source: some ConfigSource) throws {
        var endpoint: Endpoint?
        if let socket = source.value("CLAMAV_SOCKET") {
            endpoint = .unixSocket(socket)
        } else if let host = source.value("CLAMAV_HOST") {
            endpoint = .tcp(host: host, port: try source.int("CLAMAV_PORT", default: 3310, range: 1...65535))
        }
        self.init(
            endpoint: endpoint, whenUnavailable: try source.choice("CLAMAV_ON_UNAVAILABLE", default: WhenUnavailable.reject),
            timeoutSeconds: try source.int("CLAMAV_TIMEOUT_SECONDS", default: 30, range: 1...600),
            maxConcurrentScans: try source.int("CLAMAV_MAX_CONCURRENT_SCANS", default: 4, range: 1...256),
            scanAttempts: try source.int("CLAMAV_SCAN_ATTEMPTS", default: 3, range: 1...10))
    }
}
