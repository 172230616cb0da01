import App
import ArgumentParser
import FacepipeCore
import Foundation
import Imaging
import Logging
import Observability

@main
struct Facepipe: AsyncParsableCommand {
    /// `facepipe document-child <request>` is the document sandbox's child (`DocumentSandbox`):
    /// handled before anything else starts (no configuration, no logging, no database), and
    /// never listed as a command.
    static func main() async {
        let arguments = CommandLine.arguments
        if arguments.count == 3, arguments[1] == "document-child" {
            Foundation.exit(DocumentSandbox.childMain(arguments[2]))
        }
        MallocArenas.limit()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        abstract: "Image-evidence and face-privacy service.",
        version: FacepipeVersion.current,
        subcommands: [Serve.self, Worker.self, Migrate.self, KeysCommand.self, HealthcheckCommand.self, Hash.self, FacesCommand.self, AnonymizeCommand.self, Bench.self],
        defaultSubcommand: Serve.self)
}

/// Options every long-running command shares; they override environment and `.env`.
struct CommonOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL (default: the embedded cluster). Env: DATABASE_URL")
    var databaseURL: String?

    @Option(help: "Jobs run at once by the worker. Env: PROCESSOR_CONCURRENCY")
    var concurrency: Int?

    @Option(help: "Dotenv file read under the environment.")
    var envFile: String = ".env"

    var overrides: [String: String] {
        var values: [String: String] = [:]
        if let databaseURL { values["DATABASE_URL"] = databaseURL }
        if let concurrency { values["PROCESSOR_CONCURRENCY"] = String(concurrency) }
        return values
    }

    /// Loads configuration and sets up logging and metrics for the process.
    func load(extra: [String: String] = [:]) async throws -> (AppConfig, Logger) {
        let (config, unread) = try await ConfigLoader.loadReportingUnread(overrides: overrides.merging(extra) { $1 },
                                                                          environmentFile: envFile)
        let level = Logger.Level(rawValue: config.log.level.rawValue) ?? .info
        Observability.bootstrapLogging(level: level, format: config.log.format == .json ? .json : .text)
        Observability.bootstrapMetrics()
        let logger = Logger(label: "facepipe")
        for name in unread {
            logger.warning("setting \(name) is not used: \(SeedSettings.advice(for: name))", metadata: ["setting": "\(name)"])
        }
        return (config, logger)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the HTTP API (with an in-process worker by default).")

    @OptionGroup var common: CommonOptions

    @Option(help: "Address to bind. Env: HTTP_HOST")
    var host: String?

    @Option(help: "Port to bind. Env: HTTP_PORT")
    var port: Int?

    @Flag(help: "Do not run jobs in this process (run `facepipe worker` elsewhere).")
    var noWorker = false

    func run() async throws {
        var extra: [String: String] = [:]
        if let host { extra["HTTP_HOST"] = host }
        if let port { extra["HTTP_PORT"] = String(port) }
        let (config, logger) = try await common.load(extra: extra)
        try await Runtime.run(.serve(withWorker: !noWorker), config: config, logger: logger)
    }
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run jobs only (scale out with more of these).")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (config, logger) = try await common.load()
        try await Runtime.run(.worker, config: config, logger: logger)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (config, logger) = try await common.load()
        let applied = try await Runtime.migrate(config: config, logger: logger)
        print(applied.isEmpty ? "schema is up to date" : "applied migrations: \(applied.map(String.init).joined(separator: ", "))")
    }
}
