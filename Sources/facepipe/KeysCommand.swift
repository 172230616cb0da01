import App
import ArgumentParser
import FacepipeCore
import Foundation
import Services

/// `facepipe keys create|list|revoke`: API keys from the command line, for the operator.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke API keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key. The key is printed once, on the last line of stdout; only its SHA-256 is stored.")

        @OptionGroup var common: CommonOptions

        @Option(help: "standard, gold or admin")
        var role: String

        @Option(help: "What the key is for (shown in lists and the audit log).")
        var name: String

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() async throws {
            guard let role = Role(rawValue: role), Role.grantable.contains(role) else {
                throw ValidationError("--role must be standard, gold or admin")
            }
            let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
            let (record, secret) = try await KeysRuntime.withKeyService(config: config, logger: logger) { keys, context in
                try await keys.create(role: role, name: name, context)
            }
            if json {
                print(try KeysCommand.json(record, secret: secret))
            } else {
                print("created \(record.role.rawValue) key \(record.id.uuidString.lowercased()) (\(record.name)); it is shown only now:")
                print(secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (never their secrets).")

        @OptionGroup var common: CommonOptions

        @Flag(help: "Print JSON lines instead of a table.")
        var json = false

        func run() async throws {
            let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
            let keys = try await KeysRuntime.withKeyService(config: config, logger: logger) { keys, context in
                try await keys.list(context)
            }
            for key in keys {
                if json {
                    print(try KeysCommand.json(key, secret: nil))
                } else {
                    let state = key.revokedAt.map { "revoked \(ISO8601DateFormatter().string(from: $0))" } ?? "active"
                    print("\(key.id.uuidString.lowercased())  \(key.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  "
                          + "\(APIKeyFormat.prefix)\(key.lookup)…  \(state)  \(key.name)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key at once.")

        @OptionGroup var common: CommonOptions

        @Argument(help: "The key's id (from `facepipe keys list`).")
        var id: String

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw ValidationError("\(id) is not a key id (a UUID)") }
            let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
            let key = try await KeysRuntime.withKeyService(config: config, logger: logger) { keys, context in
                try await keys.revoke(uuid, context)
            }
            print("revoked \(key.role.rawValue) key \(key.id.uuidString.lowercased()) (\(key.name))")
        }
    }

    static func json(_ key: APIKeyRecord, secret: String?) throws -> String {
        var object: [String: Any] = [
            "id": key.id.uuidString.lowercased(), "role": key.role.rawValue, "name": key.name,
            "prefix": APIKeyFormat.prefix + key.lookup, "createdAt": ISO8601DateFormatter().string(from: key.createdAt),
        ]
        if let revoked = key.revokedAt { object["revokedAt"] = ISO8601DateFormatter().string(from: revoked) }
        if let secret { object["key"] = secret }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
                      as: UTF8.self)
    }
}
