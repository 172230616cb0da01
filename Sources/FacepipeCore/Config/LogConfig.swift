public struct LogConfig: Sendable, Equatable {
    public enum Level: String, Sendable, CaseIterable { case trace, debug, info, notice, warning, error, critical }
    public enum Format: String, Sendable, CaseIterable { case json, text }

    public var level: Level
    public var format: Format

    public init(level: Level = .info, format: Format = .json) {
        self.level = level
        self.format = format
    }

    public init(from source: some ConfigSource) throws {
        self.init(
            level: try source.choice("LOG_LEVEL", default: Level.info),
            format: try source.choice("LOG_FORMAT", default: Format.json))
    }
}
