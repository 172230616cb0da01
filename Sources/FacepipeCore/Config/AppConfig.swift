/// Every setting of a facepipe process, read once at start and validated.
public struct AppConfig: Sendable, Equatable {
    public var http: HTTPConfig
    public var database: DatabaseConfig
    public var queue: QueueConfig
    public var log: LogConfig
    public var media: MediaConfig
    public var ingest: IngestConfig
    public var scanner: ScannerConfig
    public var processing: ProcessingConfig
    public var webhooks: WebhookConfig
    public var faces: FaceConfig
    public var auth: AuthConfig

    public init(http: HTTPConfig, database: DatabaseConfig, queue: QueueConfig, log: LogConfig,
                media: MediaConfig = MediaConfig(), ingest: IngestConfig = IngestConfig(), scanner: ScannerConfig = ScannerConfig(),
                processing: ProcessingConfig = ProcessingConfig(), webhooks: WebhookConfig = WebhookConfig(),
                faces: FaceConfig = FaceConfig(), auth: AuthConfig = AuthConfig()) {
        self.http = http
        self.database = database
        self.queue = queue
        self.log = log
        self.media = media
        self.ingest = ingest
        self.scanner = scanner
        self.processing = processing
        self.webhooks = webhooks
        self.faces = faces
        self.auth = auth
    }

    /// Reads and validates everything; the first bad value throws a `ConfigError` naming it.
    public init(from source: some ConfigSource) throws {
        try SeedSettings.checkAliases(source)
        let source = SeedSettingsSource(source)
        self.init(
            http: try HTTPConfig(from: source),
            database: try DatabaseConfig(from: source),
            queue: try QueueConfig(from: source),
            log: try LogConfig(from: source),
            media: try MediaConfig(from: source),
            ingest: try IngestConfig(from: source),
            scanner: try ScannerConfig(from: source),
            processing: try ProcessingConfig(from: source),
            webhooks: try WebhookConfig(from: source),
            faces: try FaceConfig(from: source),
            auth: try AuthConfig(from: source))
    }
}
