import FacepipeCore
import Logging
import NIOSSL
import PostgresNIO

/// Builds the pooled client for a database URL. The client is a `Service`: run it in the
/// process's ServiceGroup (or `withClient` for one-off commands and tests).
public enum Database {
    public static func makeClient(url: DatabaseURL, poolSize: Int = 20, waitLimit: Duration = .seconds(15), logger: Logger) -> DatabaseClient {
        DatabaseClient(logger: logger, waitLimit: waitLimit) { makePool(url: url, poolSize: poolSize, logger: logger) }
    }

    /// One connection outside any pool (the availability monitor's): it connects when asked,
    /// with no backoff between attempts.
    public static func connect(url: DatabaseURL, timeout: Duration, logger: Logger) async throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password,
            database: url.database, tls: try connectionTLS(url.tls))
        configuration.options.connectTimeout = .nanoseconds(Int64(timeout / .nanoseconds(1)))
        return try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
    }

    private static func connectionTLS(_ mode: DatabaseURL.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    static func makePool(url: DatabaseURL, poolSize: Int, logger: Logger) -> PostgresClient {
        let tls: PostgresClient.Configuration.TLS
        switch url.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password,
            database: url.database, tls: tls)
        configuration.options.maximumConnections = poolSize
        configuration.options.minimumConnections = 0
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Runs `body` with a live client, then shuts the client down.
    public static func withClient<T: Sendable>(
        url: DatabaseURL, poolSize: Int = 20, waitLimit: Duration = .seconds(15), logger: Logger,
        _ body: @Sendable (DatabaseClient) async throws -> T
    ) async throws -> T {
        let client = makeClient(url: url, poolSize: poolSize, waitLimit: waitLimit, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            let result: Result<T, any Error>
            do {
                // Let run() start first: leasing before it logs a spurious warning (and waits anyway).
                await PendingWaits.track("database pool start (\(url.database))") { await client.waitUntilRunning() }
                result = .success(try await body(client))
            } catch {
                result = .failure(error)
            }
            group.cancelAll()
            try? await PendingWaits.track("database pool shutdown (\(url.database))") { try await group.waitForAll() }
            return try result.get()
        }
    }

    /// A round trip to the server, for health checks. Returns the latency in milliseconds.
    public static func ping(_ client: DatabaseClient) async throws -> Double {
        try await ping { try await client.query("SELECT 1") }
    }

    public static func ping(_ connection: PostgresConnection, logger: Logger) async throws -> Double {
        try await ping { try await connection.query("SELECT 1", logger: logger) }
    }

    private static func ping(_ roundTrip: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await roundTrip()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
    }

    /// Creates a database if missing (needs a connection to another database, usually `postgres`).
    public static func createDatabaseIfMissing(_ name: String, using client: DatabaseClient, logger: Logger) async throws {
        let rows = try await client.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger)
        var exists = false
        for try await _ in rows { exists = true }
        if !exists {
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(quoteIdentifier(name))"), logger: logger)
        }
    }

    public static func dropDatabase(_ name: String, using client: DatabaseClient, logger: Logger) async throws {
        try await client.query(
            PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)"), logger: logger)
    }

    /// Quotes an identifier for the few statements that cannot take bound parameters.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
