import FacepipeCore
import Foundation
import Hummingbird
import Logging
import Persistence
import PostgresNIO
import Queue

/// What `facepipe worker` serves on WORKER_HTTP_PORT: `/health` (database, and whether the face
/// models loaded) for probes, and `/metrics` (job durations, outcomes, queue depth) for
/// Prometheus. No JSON API: workers take no requests.
public func buildWorkerApplication(
    host: String, port: Int, client: DatabaseClient, queue: JobQueue, faceModels: (detector: Bool, embedder: Bool), concurrency: Int,
    logger: Logger
) -> some ApplicationProtocol {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.get("/health") { _, _ -> Response in
        var database: [String: Any] = ["status": "up"]
        var healthy = true
        do {
            let latency = try await withTimeout(.seconds(2)) { try await Database.ping(client) }
            database["latencyMs"] = (latency * 100).rounded() / 100
        } catch {
            healthy = false
            database = ["status": "down", "error": "database unreachable"]
        }
        let body: [String: Any] = [
            "status": healthy ? "ok" : "degraded", "version": FacepipeVersion.current, "role": "worker", "concurrency": concurrency,
            "database": database, "faces": ["detector": faceModels.detector, "embedder": faceModels.embedder],
        ]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(data: data)))
    }
    // Open on this port: it is loopback unless the operator exposes it to a scraper.
    MetricsController(queue: queue, policy: AccessPolicy(publicMetrics: true)).addRoutes(to: router)
    return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "facepipe-worker"),
                       logger: logger)
}
