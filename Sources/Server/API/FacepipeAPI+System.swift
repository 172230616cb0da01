import FacepipeCore
import Foundation
import Persistence
import Synchronization

extension FacepipeAPI {
    /// Liveness plus a database round trip and the scanner's state. 503 when the database is
    /// down, so a load balancer stops sending traffic to an instance that cannot serve it.
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        var database = Components.Schemas.Health.DatabasePayload(status: .up)
        do {
            let latency = try await withTimeout(dependencies.healthDatabaseLimit) { [client = dependencies.client] in try await Database.ping(client) }
            database.latencyMs = (latency * 100).rounded() / 100
        } catch {
            logger.warning("health check: database unreachable", metadata: ["error": "\(String(reflecting: error))"])
            database = .init(status: .down, error: "database unreachable")
        }
        let scanner = await dependencies.scannerHealth()
        let health = Components.Schemas.Health(
            status: database.status == .up ? .ok : .degraded, version: FacepipeVersion.current,
            worker: dependencies.workerMode == "in-process" ? .inProcess : .disabled, database: database,
            scanner: .init(status: .init(rawValue: scanner.status) ?? .down, detail: scanner.detail))
        return database.status == .up ? .ok(.init(body: .json(health))) : .serviceUnavailable(.init(body: .json(health)))
    }
}
