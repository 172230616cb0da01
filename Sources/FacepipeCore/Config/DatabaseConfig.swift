import Foundation

/// How to reach PostgreSQL: an external server (`DATABASE_URL`) or the embedded cluster.
public enum DatabaseTarget: Sendable, Equatable {
    case external(DatabaseURL)
    case embedded(EmbeddedPostgresConfig)
}

public struct DatabaseConfig: Sendable, Equatable {
    public var target: DatabaseTarget
    /// Upper bound on pooled connections per process (`DATABASE_POOL_SIZE`).
    public var poolSize: Int
    /// How long a caller may wait for a pooled connection before it gets 503 (`DATABASE_WAIT_SECONDS`).
    public var waitSeconds: Int

    public init(target: DatabaseTarget, poolSize: Int = 20, waitSeconds: Int = 15) {
        self.target = target
        self.poolSize = poolSize
        self.waitSeconds = waitSeconds
    }

    public init(from source: some ConfigSource) throws {
        if let raw = source.value("DATABASE_URL") {
            target = .external(try DatabaseURL(parsing: raw, variable: "DATABASE_URL"))
        } else {
            target = .embedded(try EmbeddedPostgresConfig(from: source))
        }
        poolSize = try source.int("DATABASE_POOL_SIZE", default: 20, range: 2...500)
        waitSeconds = try source.int("DATABASE_WAIT_SECONDS", default: 15, range: 1...600)
    }
}

/// A parsed `postgres://user:password@host:port/database?sslmode=…` URL.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, CaseIterable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String, tls: TLSMode = .disable) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    public init(parsing raw: String, variable: String = "DATABASE_URL") throws {
        let fail = { (why: String) in ConfigError(variable: variable, value: Self.redacted(raw), expected: why) }
        guard let url = URLComponents(string: raw), let scheme = url.scheme,
              ["postgres", "postgresql"].contains(scheme.lowercased())
        else { throw fail("postgres://user[:password]@host[:port]/database") }
        guard let host = url.host, !host.isEmpty else { throw fail("a host name") }
        guard let user = url.user, !user.isEmpty else { throw fail("a user name") }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw fail("a database name after the host") }
        let sslmode = url.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        guard let tls = TLSMode(rawValue: sslmode) else { throw fail("sslmode disable, prefer or require") }
        if let port = url.port, !(1...65535).contains(port) { throw fail("a port in 1...65535") }
        self.init(
            host: host, port: url.port ?? 5432, username: user.removingPercentEncoding ?? user,
            password: url.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.removingPercentEncoding ?? database, tls: tls)
    }

    /// The same server, another database (tests and benchmarks use scratch databases).
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The URL with its password (percent-encoded), for a child process's `DATABASE_URL`.
    /// Never log it: `description` is the printable form.
    public var connectionString: String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let user = username.addingPercentEncoding(withAllowedCharacters: allowed) ?? username
        let secret = password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0) } ?? ""
        let query = tls == .disable ? "" : "?sslmode=\(tls.rawValue)"
        return "postgres://\(user)\(secret)@\(host):\(port)/\(database.addingPercentEncoding(withAllowedCharacters: allowed) ?? database)\(query)"
    }

    /// Never print a password: logs and error messages use this form.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    static func redacted(_ raw: String) -> String {
        guard var url = URLComponents(string: raw), url.password != nil else { return raw }
        url.password = "***"
        return url.string ?? "***"
    }
}
