public struct HTTPConfig: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }

    public init(from source: some ConfigSource) throws {
        self.init(
            host: source.string("HTTP_HOST", default: "127.0.0.1"),
            port: try source.int("HTTP_PORT", default: 8080, range: 0...65535))
    }
}
