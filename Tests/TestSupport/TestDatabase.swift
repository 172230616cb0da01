import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO

/// A database of its own for each test suite, on the server named by
/// FACEPIPE_TEST_DATABASE_URL (`make test` starts one), migrated, dropped afterwards.
public enum TestDatabase {
    public static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    public static func serverURL() throws -> DatabaseURL {
        _ = stallWatch
        guard let raw = ProcessInfo.processInfo.environment["FACEPIPE_TEST_DATABASE_URL"] else {
            throw TestSetupError(
                "FACEPIPE_TEST_DATABASE_URL is not set: run the tests with `make test`, which starts a test PostgreSQL")
        }
        return try DatabaseURL(parsing: raw, variable: "FACEPIPE_TEST_DATABASE_URL")
    }

    /// Runs `body` against a fresh, migrated database. A wait for a connection is bounded by
    /// `patience`, not the service's 15 s: with the whole suite opening connections at once
    /// under `make test-stress`, a new backend took longer than 15 s to start (a migration test
    /// failed with "no database connection within 15.0 seconds").
    public static func withScratchDatabase<T: Sendable>(
        poolSize: Int = 10, _ body: @Sendable (DatabaseURL, DatabaseClient) async throws -> T
    ) async throws -> T {
        let server = try serverURL()
        let name = "facepipe_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await Database.withClient(url: server, poolSize: 2, waitLimit: patience, logger: logger) {
            try await Database.createDatabaseIfMissing(name, using: $0, logger: logger)
        }
        let url = server.with(database: name)
        do {
            let result = try await Database.withClient(url: url, poolSize: poolSize, waitLimit: patience, logger: logger) { client in
                _ = try await Migrator().migrate(client, logger: logger)
                return try await body(url, client)
            }
            try await drop(name, server: server)
            return result
        } catch {
            try? await drop(name, server: server)
            throw error
        }
    }

    static func drop(_ name: String, server: DatabaseURL) async throws {
        try await Database.withClient(url: server, poolSize: 2, waitLimit: patience, logger: logger) {
            try await Database.dropDatabase(name, using: $0, logger: logger)
        }
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The `facepipe` executable SwiftPM built next to the test bundle.
public func facepipeExecutable() throws -> URL {
    let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    let binary = directory.appendingPathComponent("facepipe")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
        throw TestSetupError("facepipe binary not found at \(binary.path): build it with `swift build` first")
    }
    return binary
}

/// Prints, every minute, the waits that have lasted more than four minutes
/// (`PendingWaits`), on a thread of its own so that it reports even when every task is
/// suspended: what a hung suite was waiting for shows in its log. Started by the first test
/// that asks for the database.
let stallWatch: Bool = {
    let thread = Thread {
        while true {
            Thread.sleep(forTimeInterval: 60)
            let overdue = PendingWaits.overdue(after: .seconds(240))
            guard !overdue.isEmpty else { continue }
            var report = "stall watch: \(overdue.count) waits older than 240 s:\n"
            for wait in overdue.prefix(40) { report += "  \(wait)\n" }
            FileHandle.standardError.write(Data(report.utf8))
        }
    }
    thread.name = "stall watch"
    thread.start()
    return true
}()

/// How long a test waits for something that must happen, at most. Only a bound against hanging
/// for ever, never a measure of speed: the whole suite runs at once on two cores, and on a
/// machine busy with other work a test can be starved for a minute or more before its turn.
public let patience = Duration.seconds(300)

/// Polls `condition` until it holds or `timeout` passes (for asynchronous effects, not timing).
public func eventually(
    timeout: Duration = patience, every interval: Duration = .milliseconds(50),
    _ condition: @Sendable () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}

extension Process {
    /// Waits for the process to end without blocking a thread: `waitUntilExit()` would hold one
    /// of the few threads Swift concurrency has while the child runs (seconds, when it drains).
    public func exited() async throws {
        while isRunning { try await Task.sleep(for: .milliseconds(20)) }
    }
}
