import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Services

/// `facepipe keys …`: the operator's way to manage API keys without an HTTP credential (they can
/// reach the database, which is the stronger credential). Audited as `cli:<unix user>`.
public enum KeysRuntime {
    public static func withKeyService<T: Sendable>(
        config: AppConfig, logger: Logger, _ body: @escaping @Sendable (KeyService, CallContext) async throws -> T
    ) async throws -> T {
        let database = try await DatabaseRuntime.prepare(config.database, logger: logger)
        do {
            let result = try await Database.withClient(url: database.url, poolSize: 2, logger: logger) { client in
                try await Migrator().migrate(client, logger: logger)
                let audit = AuditService(client: client, policy: config.auth.policy, logger: logger)
                let keys = KeyService(client: client, audit: audit, policy: config.auth.policy, logger: logger)
                let user = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid \(geteuid())"
                return try await body(keys, .commandLine(user: user))
            }
            await database.embedded?.stop()
            return result
        } catch {
            await database.embedded?.stop()
            throw error
        }
    }
}
