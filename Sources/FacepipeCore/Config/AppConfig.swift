/// Every setting of a facepipe process, read once at start and validated.
public struct AppConfig: Sendable, Equatable {
    public var http: HTTPConfig
    public var database: DatabaseConfig
    public var queue: QueueConfig
    public var log: LogConfig

    public init(http: HTTPConfig, database: DatabaseConfig, queue: QueueConfig, log: LogConfig) {
        self.http = http
        self.database = database
        self.queue = queue
        self.log = log
    }

    /// Reads and validates everything; the first bad value throws a `ConfigError` naming it.
    public init(from source: some ConfigSource) throws {
        self.init(
            http: try HTTPConfig(from: source),
            database: try DatabaseConfig(from: source),
            queue: try QueueConfig(from: source),
            log: try LogConfig(from: source))
    }
}
