import Configuration
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
        let source = try await source(overrides: overrides, environmentFile: environmentFile)
        return try AppConfig(from: source)
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
