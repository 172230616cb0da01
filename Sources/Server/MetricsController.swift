import FacepipeCore
import Hummingbird
import Logging
import Observability
import Queue

/// `GET /metrics`: Prometheus text format. Queue depth is read from the database at scrape
/// time, so it is right whichever process (server or worker) changed it. Admins only unless
/// METRICS_PUBLIC=true (a scraper on a private network).
struct MetricsController {
    let queue: JobQueue
    let policy: AccessPolicy
    let gauges = QueueDepthGauges()

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/metrics") { _, context -> Response in
            try policy.require(.readMetrics, context.caller)
            do {
                gauges.update(try await queue.counts())
            } catch {
                context.logger.warning("metrics: could not read queue depth", metadata: ["error": "\(String(reflecting: error))"])
            }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16_384)
            Observability.registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
}
