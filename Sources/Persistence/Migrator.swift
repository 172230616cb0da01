import Logging
import PostgresNIO

/// One schema change. Statements run in order in one transaction; postgres-nio's extended
/// protocol takes one statement per query, so each is listed separately.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// Applies the migrations compiled into the binary. Every process may call it at start:
/// a transaction-scoped advisory lock lets exactly one apply, the others then see the result.
public struct Migrator: Sendable {
    /// Arbitrary constant naming facepipe's migration lock.
    static let lockKey: Int64 = 0x6661_6365_7069_7065  // "facepipe"

    public let migrations: [Migration]

    public init(migrations: [Migration] = Migrations.all) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies what is missing; returns the versions applied by this call.
    @discardableResult
    public func migrate(_ client: DatabaseClient, logger: Logger) async throws -> [Int] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger)
                .decode(Int.self)
            {
                applied.insert(version)
            }
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                for statement in migration.statements {
                    do {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    } catch let error as PSQLError {
                        throw MigrationError(version: migration.version, name: migration.name,
                                             message: error.serverInfo?[.message] ?? String(reflecting: error))
                    }
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
                done.append(migration.version)
            }
            return done
        }
    }
}

public struct MigrationError: Error, CustomStringConvertible {
    public let version: Int
    public let name: String
    public let message: String
    public var description: String {
        var text = "migration \(version) (\(name)) failed: \(message)"
        if message.contains("vector") {
            text += ". facepipe needs the pgvector extension: install it on the server (or use the embedded PostgreSQL)."
        }
        return text
    }
}
