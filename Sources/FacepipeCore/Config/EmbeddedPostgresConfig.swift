/// The local PostgreSQL cluster that `facepipe serve` runs when no `DATABASE_URL` is set.
public struct EmbeddedPostgresConfig: Sendable, Equatable {
    /// Folder with `postgres`, `initdb`, `pg_ctl` (set-up unpacks them to `.deps/postgres/bin`).
    public var binDirectory: String
    /// The cluster's data folder; created with `initdb` on first start.
    public var dataDirectory: String
    public var port: Int
    /// The unprivileged account PostgreSQL runs as when facepipe runs as root.
    public var systemUser: String
    public var database: String
    /// How long a start may take to accept connections before it counts as failed. Tests raise
    /// it: under `make test-stress` a cluster of their own once took longer than 60 s to start.
    public var readyTimeout: Duration

    public init(
        binDirectory: String = ".deps/postgres/bin", dataDirectory: String = ".data/postgres",
        port: Int = 54329, systemUser: String = "facepipe", database: String = "facepipe",
        readyTimeout: Duration = .seconds(60)
    ) {
        self.binDirectory = binDirectory
        self.dataDirectory = dataDirectory
        self.port = port
        self.systemUser = systemUser
        self.database = database
        self.readyTimeout = readyTimeout
    }

    public init(from source: some ConfigSource) throws {
        self.init(
            binDirectory: source.string("EMBEDDED_PG_BIN", default: ".deps/postgres/bin"),
            dataDirectory: source.string("EMBEDDED_PG_DIR", default: ".data/postgres"),
            port: try source.int("EMBEDDED_PG_PORT", default: 54329, range: 1024...65535),
            systemUser: source.string("EMBEDDED_PG_USER", default: "facepipe"),
            database: "facepipe")
    }

    /// Where the embedded server accepts connections (loopback only), without its password:
    /// `EmbeddedPostgres.url()` adds the one kept beside the cluster.
    public var url: DatabaseURL {
        DatabaseURL(host: "127.0.0.1", port: port, username: "postgres", database: database)
    }
}
