import FacepipeCore
import Hummingbird
import Logging
import PostgresNIO
import Queue

/// What the HTTP application needs from the rest of the process.
public struct ServerDependencies: Sendable {
    public var client: PostgresClient
    public var queue: JobQueue
    /// "in-process", "disabled" or "standalone": shown by /health.
    public var workerMode: String

    public init(client: PostgresClient, queue: JobQueue, workerMode: String) {
        self.client = client
        self.queue = queue
        self.workerMode = workerMode
    }
}

/// Builds the HTTP application; `serve` runs it in the service group, tests drive it directly.
public func buildApplication(
    http: HTTPConfig, dependencies: ServerDependencies, logger: Logger
) -> some ApplicationProtocol {
    let router = buildRouter(dependencies: dependencies)
    return Application(
        router: router,
        configuration: .init(address: .hostname(http.host, port: http.port), serverName: "facepipe"),
        logger: logger)
}

public func buildRouter(dependencies: ServerDependencies) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    // Outermost first: the id is set before anything logs; metrics see the final status.
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: ErrorMiddleware())
    HealthController(client: dependencies.client, workerMode: dependencies.workerMode).addRoutes(to: router)
    MetricsController(queue: dependencies.queue).addRoutes(to: router)
    QueueController(queue: dependencies.queue).addRoutes(to: router)
    return router
}
