import FacepipeCore
import Foundation
import Hummingbird
import Ingest
import Logging
import OpenAPIHummingbird
import Persistence
import PostgresNIO
import Queue
import Storage

/// What the HTTP application needs from the rest of the process.
public struct ServerDependencies: Sendable {
    public struct ScannerHealth: Sendable {
        public var status: String
        public var detail: String?
        public init(status: String, detail: String? = nil) {
            self.status = status
            self.detail = detail
        }
    }

    public var client: PostgresClient
    public var queue: JobQueue
    public var ingest: IngestService
    public var store: any MediaStore
    public var links: MediaLinks
    /// "in-process" or "disabled": shown by /health.
    public var workerMode: String
    public var uploadsPerMinutePerIP: Int
    /// "off", "up" or "down" with a detail, for /health.
    public var scannerHealth: @Sendable () async -> ScannerHealth
    public var logger: Logger
    /// nil when the face models are not available.
    public var faceSearch: FaceSearch?

    public var images: ImageRepository { ImageRepository(client: client, logger: logger) }
    public var intents: UploadIntentRepository { UploadIntentRepository(client: client, logger: logger) }

    public init(client: PostgresClient, queue: JobQueue, ingest: IngestService, store: any MediaStore, links: MediaLinks,
                workerMode: String, uploadsPerMinutePerIP: Int, logger: Logger,
                scannerHealth: @escaping @Sendable () async -> ScannerHealth = { .init(status: "off") }) {
        self.client = client
        self.queue = queue
        self.ingest = ingest
        self.store = store
        self.links = links
        self.workerMode = workerMode
        self.uploadsPerMinutePerIP = uploadsPerMinutePerIP
        self.scannerHealth = scannerHealth
        self.logger = logger
    }
}

/// Builds the HTTP application; `serve` runs it in the service group, tests drive it directly.
public func buildApplication(http: HTTPConfig, dependencies: ServerDependencies) throws -> some ApplicationProtocol {
    Application(
        router: try buildRouter(dependencies: dependencies),
        server: .http1(configuration: .init(idleTimeout: .seconds(60))),
        configuration: .init(address: .hostname(http.host, port: http.port), serverName: "facepipe"),
        logger: dependencies.logger)
}

public func buildRouter(dependencies: ServerDependencies) throws -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    // Outermost first: the id is set before anything logs; metrics see the final status.
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: ErrorMiddleware())
    if dependencies.uploadsPerMinutePerIP > 0 {
        router.add(middleware: UploadRateLimitMiddleware(limiter: RateLimiter(requests: dependencies.uploadsPerMinutePerIP)))
    }
    try FacepipeAPI(dependencies: dependencies).registerHandlers(on: router)
    MetricsController(queue: dependencies.queue).addRoutes(to: router)
    MediaController(store: dependencies.store, links: dependencies.links).addRoutes(to: router)
    OpenAPIDocument.addRoutes(to: router)
    return router
}

/// Serves the contract the handlers are generated from.
enum OpenAPIDocument {
    static let text: String? = Bundle.module.url(forResource: "openapi", withExtension: "yaml")
        .flatMap { try? String(contentsOf: $0, encoding: .utf8) }

    static func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/openapi.yaml") { _, _ -> Response in
            guard let text else { throw APIError.notFound("the OpenAPI document is not bundled with this build") }
            return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
