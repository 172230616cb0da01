import FacepipeCore
import Foundation
import Hummingbird
import Persistence
import PostgresNIO

/// `GET /health`: liveness plus a database round trip. 503 when the database is down, so a
/// load balancer stops sending traffic to an instance that cannot serve it.
struct HealthController {
    let client: PostgresClient
    let workerMode: String

    struct Health: ResponseEncodable {
        struct DatabaseHealth: Codable {
            var status: String
            var latencyMs: Double?
            var error: String?
        }
        var status: String
        var version: String
        var worker: String
        var database: DatabaseHealth
    }

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/health") { _, context -> EditedResponse<Health> in
            var database = Health.DatabaseHealth(status: "up")
            do {
                let latency = try await withTimeout(.seconds(2)) { try await Database.ping(client) }
                database.latencyMs = (latency * 100).rounded() / 100
            } catch {
                context.logger.warning("health check: database unreachable", metadata: ["error": "\(String(reflecting: error))"])
                database = .init(status: "down", error: "database unreachable")
            }
            let up = database.status == "up"
            let health = Health(status: up ? "ok" : "degraded", version: FacepipeVersion.current, worker: workerMode, database: database)
            return EditedResponse(status: up ? .ok : .serviceUnavailable, response: health)
        }
    }
}

struct TimeoutError: Error {}

func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimeoutError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
