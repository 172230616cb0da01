import FacepipeCore
import Foundation
import Hummingbird
import Ingest
import Logging
import OpenAPIHummingbird
import Persistence
import PostgresNIO
import Queue
import Services
import Storage
import Web
import HummingbirdAuth

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

    public var client: DatabaseClient
    public var queue: JobQueue
    public var ingest: IngestService
    public var services: ServiceSet
    public var authenticator: CallerAuthenticator
    public var store: any MediaStore
    public var links: MediaLinks
    public var auth: AuthConfig
    /// The web UI's templates and assets, and its settings.
    public var pages: Pages
    public var webSettings: WebController<AppRequestContext>.Settings
    /// "in-process" or "disabled": shown by /health.
    public var workerMode: String
    /// "off", "up" or "down" with a detail, for /health.
    public var scannerHealth: @Sendable () async -> ScannerHealth
    public var logger: Logger
    /// Set by `facepipe serve`: requests get 503 at once while the database is down.
    public var availability: DatabaseAvailability?
    /// How long /health waits for the database's answer before reporting it down: a probe's
    /// budget. Tests raise it, since on a starved machine a slow answer is not an outage.
    public var healthDatabaseLimit: Duration = .seconds(2)

    public var intents: UploadIntentRepository { UploadIntentRepository(client: client, logger: logger) }

    public init(client: DatabaseClient, queue: JobQueue, ingest: IngestService, services: ServiceSet, authenticator: CallerAuthenticator,
                store: any MediaStore, links: MediaLinks, auth: AuthConfig, pages: Pages,
                webSettings: WebController<AppRequestContext>.Settings, workerMode: String, logger: Logger,
                scannerHealth: @escaping @Sendable () async -> ScannerHealth = { .init(status: "off") }) {
        self.pages = pages
        self.webSettings = webSettings
        self.client = client
        self.queue = queue
        self.ingest = ingest
        self.services = services
        self.authenticator = authenticator
        self.store = store
        self.links = links
        self.auth = auth
        self.workerMode = workerMode
        self.scannerHealth = scannerHealth
        self.logger = logger
    }
}

/// Builds the HTTP application; `serve` runs it in the service group, tests drive it directly.
/// `onRunning` gets the bound port once the server accepts connections.
public func buildApplication(
    http: HTTPConfig, dependencies: ServerDependencies, onRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    Application(
        router: try buildRouter(dependencies: dependencies),
        server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(http.idleTimeout / .nanoseconds(1))))),
        configuration: .init(address: .hostname(http.host, port: http.port), serverName: "facepipe"),
        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? http.port) },
        logger: dependencies.logger)
}

public func buildRouter(dependencies: ServerDependencies) throws -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let auth = dependencies.auth
    // Outermost first: the id is set before anything logs; metrics see the final status; the
    // caller is known before the access log and every handler.
    router.add(middleware: RequestIDMiddleware())
    if dependencies.webSettings.strictTransportSecurity { router.add(middleware: StrictTransportSecurityMiddleware()) }
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: DatabaseOutageMiddleware(availability: dependencies.availability))
    // Browser sessions live in PostgreSQL; the cookie is HttpOnly, SameSite=Strict, Secure over HTTPS.
    router.add(middleware: SessionMiddleware(
        storage: PostgresSessionStore(client: dependencies.client, logger: dependencies.logger),
        configuration: .init(sessionCookieParameters: .init(name: "facepipe_session", secure: dependencies.webSettings.secureCookies,
                                                            sameSite: .strict),
                             keyPrefix: "", defaultSessionExpiration: .seconds(12 * 3600))))
    router.add(middleware: CallerAuthenticationMiddleware(authenticator: dependencies.authenticator, trustedProxies: auth.trustedProxies))
    router.add(middleware: AccessLogMiddleware(level: .info))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: CallerRateLimitMiddleware(
        uploads: auth.uploadsPerMinute > 0
            ? SharedRateLimiter(client: dependencies.client, bucket: "uploads", perMinute: auth.uploadsPerMinute,
                                window: auth.rateLimitWindow, logger: dependencies.logger)
            : nil,
        faceSearches: auth.faceSearchesPerMinute > 0
            ? SharedRateLimiter(client: dependencies.client, bucket: "face_searches", perMinute: auth.faceSearchesPerMinute,
                                window: auth.rateLimitWindow, logger: dependencies.logger)
            : nil))
    router.add(middleware: BodySizeLimitMiddleware(maxFileBytes: dependencies.ingest.config.maxFileBytes,
                                                   maxFilesPerRequest: dependencies.ingest.config.maxFilesPerRequest))
    router.add(middleware: RequestContextStoreMiddleware(trustedProxies: auth.trustedProxies))
    router.add(middleware: OptionalJSONBodyMiddleware.process)
    // Readable JSON, keys in a stable order, and URLs as written ("/media/…", not "\/media\/…").
    try FacepipeAPI(dependencies: dependencies).registerHandlers(
        on: router, configuration: .init(jsonEncodingOptions: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]),
        middlewares: [AbsoluteLinksMiddleware()])
    MetricsController(queue: dependencies.queue, policy: dependencies.services.policy).addRoutes(to: router)
    MediaController(store: dependencies.store, links: dependencies.links).addRoutes(to: router)
    WebController<AppRequestContext>(services: dependencies.services, authenticator: dependencies.authenticator,
                                     pages: dependencies.pages, settings: dependencies.webSettings).addRoutes(to: router)
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
