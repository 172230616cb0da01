import Configuration
import Foundation
import FacepipeCore
import SystemPackage

/// Reads settings with swift-configuration: command-line options over environment variables
/// over `.env` over the defaults in each config type. This is the only place that reads the
/// environment.
public enum ConfigLoader {
    /// - Parameters:
    ///   - overrides: values from command-line options, by variable name (`HTTP_PORT`).
    ///   - environmentFile: a dotenv file; missing is fine.
    public static func load(overrides: [String: String] = [:], environmentFile: String = ".env") async throws -> AppConfig {
        try await loadReportingUnread(overrides: overrides, environmentFile: environmentFile).config
    }

    /// The configuration, and the names set in the environment or `.env` that look like
    /// settings but that nothing read (`SeedSettings.unread`): the caller logs them once a
    /// logger exists, so a misspelt or legacy name is never silently ignored.
    public static func loadReportingUnread(overrides: [String: String] = [:], environmentFile: String = ".env") async throws
        -> (config: AppConfig, unread: [String])
    {
        let source = SeedSettingsSource(try await source(overrides: overrides, environmentFile: environmentFile))
        let config = try AppConfig(from: source)
        let present = Set(ProcessInfo.processInfo.environment.keys).union(dotenvNames(environmentFile))
        return (config, SeedSettings.unread(present, asked: source.names))
    }

    /// The names a dotenv file assigns (`NAME=…`, optionally after `export`).
    static func dotenvNames(_ path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).compactMap { line in
            var line = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { return nil }
            return String(line[..<equals]).trimmingCharacters(in: .whitespaces)
        }
    }

    public static func source(overrides: [String: String] = [:], environmentFile: String = ".env") async throws -> some ConfigSource {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (name, value) in overrides {
            values[AbsoluteConfigKey(components(of: name))] = .init(.string(value), isSecret: false)
        }
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "command line", values: values),
            EnvironmentVariablesProvider(secretsSpecifier: .specific(secretVariables)),
            try await EnvironmentVariablesProvider(
                environmentFilePath: FilePath(environmentFile), allowMissing: true,
                secretsSpecifier: .specific(secretVariables)),
        ])
        return ReaderConfigSource(reader: reader)
    }

    static let secretVariables: Set<String> = ["DATABASE_URL"]

    /// `HTTP_PORT` ↔ key `http.port` (swift-configuration maps it back to `HTTP_PORT`).
    static func components(of name: String) -> [String] {
        name.lowercased().split(separator: "_").map(String.init)
    }
}

struct ReaderConfigSource: ConfigSource {
    let reader: ConfigReader

    func string(_ name: String) -> String? {
        reader.string(forKey: ConfigKey(ConfigLoader.components(of: name)), isSecret: ConfigLoader.secretVariables.contains(name))
    }
}
