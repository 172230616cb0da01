public struct HTTPConfig: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// `facepipe worker` serves /health and /metrics here (loopback by default: probes and
    /// scrapers on the same host; set WORKER_HTTP_HOST=0.0.0.0 in a pod). 0 turns it off.
    public var workerHost: String
    public var workerPort: Int
    /// A connection that sends nothing for this long is closed (`HTTP_IDLE_TIMEOUT_SECONDS`):
    /// a client that opens connections and stalls (slowloris) holds each for this long at most.
    public var idleTimeout: Duration
    /// Session and login cookies carry `Secure` (`COOKIE_SECURE`, default true). Browsers keep
    /// Secure cookies over plain http on loopback (`make run`); a development server reached
    /// over plain http on another address needs `COOKIE_SECURE=false`.
    public var secureCookies: Bool = true

    public init(host: String = "127.0.0.1", port: Int = 8080, workerHost: String = "127.0.0.1", workerPort: Int = 9090,
                idleTimeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.workerHost = workerHost
        self.workerPort = workerPort
        self.idleTimeout = idleTimeout
    }

    public init(from source: some ConfigSource) throws {
        self.init(
            host: source.string("HTTP_HOST", default: "127.0.0.1"),
            port: try source.int("HTTP_PORT", default: 8080, range: 0...65535),
            workerHost: source.string("WORKER_HTTP_HOST", default: "127.0.0.1"),
            workerPort: try source.int("WORKER_HTTP_PORT", default: 9090, range: 0...65535),
            idleTimeout: .seconds(try source.int("HTTP_IDLE_TIMEOUT_SECONDS", default: 30, range: 1...3600)))
        secureCookies = try source.bool("COOKIE_SECURE", default: true)
    }
}
