import EmbeddedPostgres
import FacepipeCore
import Foundation
import Imaging
import Ingest
import Logging
import Persistence
import Faces
import Pipeline
import Webhooks
import PostgresNIO
import Queue
import Scanning
import Server
import Services
import Web
import ServiceLifecycle
import Storage

/// What a facepipe process runs.
public enum Role: Sendable, Equatable {
    /// HTTP API, with or without the in-process worker.
    case serve(withWorker: Bool)
    /// Worker only (scale-out).
    case worker
}

/// Assembles and runs a facepipe process: database (embedded or external), migrations, and the
/// long-running services in one ServiceGroup so SIGTERM shuts everything down in order
/// (HTTP first, then the worker drains, then the pool, then the embedded PostgreSQL).
public enum Runtime {
    public static func run(_ role: Role, config: AppConfig, logger: Logger) async throws {
        let database = try await DatabaseRuntime.prepare(config.database, logger: logger)
        do {
            let adminKeyFile = try await Database.withClient(url: database.url, poolSize: 2, waitLimit: .seconds(config.database.waitSeconds),
                                                             logger: logger) { client -> String? in
                try await Migrator().migrate(client, logger: logger)
                guard case .serve = role else { return nil }
                // A newcomer gets a working admin at once: the key goes to a 0600 file, never to the log.
                let audit = AuditService(client: client, policy: config.auth.policy, logger: logger)
                return try await KeyService(client: client, audit: audit, policy: config.auth.policy, logger: logger)
                    .ensureFirstAdminKey(file: config.auth.adminKeyFile, logger: logger)
            }
            let client = Database.makeClient(url: database.url, poolSize: config.database.poolSize,
                                             waitLimit: .seconds(config.database.waitSeconds), logger: logger)
            let queue = JobQueue(client: client, defaultMaxAttempts: config.queue.maxAttempts, logger: logger)

            var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
            if let embedded = database.embedded { services.append(.init(service: embedded)) }
            services.append(.init(service: client))
            let startsAfterPool = services.count
            try VipsRuntime.start(logger: logger)
            let store = try await MediaRuntime.makeStore(config.media, logger: logger)
            let runsWorker = role == .worker || role == .serve(withWorker: true)
            if let local = store as? LocalMediaStore {
                // Files a crash left without their row, stale .part and spool files: at start and periodically.
                services.append(.init(service: MediaSweep(
                    store: local, client: client, spool: URL(fileURLWithPath: ".data/spool", isDirectory: true),
                    intervalMinutes: config.media.sweepIntervalMinutes, logger: logger)))
            }
            // Loaded once per process and shared by the worker and face search.
            let faces = FaceModels.load(config.faces, logger: logger)
            let faceIndex = FaceIndex(logger: logger)
            // Held where faces are looked up: face search in the API, links and identities in workers.
            let searchesFaces = faces.embedder != nil && faces.detection != nil && role != .worker
            let linksFaces = faces.embedder != nil && runsWorker && config.faces.linkingEnabled
            if searchesFaces || linksFaces {
                services.append(.init(service: FaceIndexRefresher(index: faceIndex, client: client, logger: logger)))
            }
            let links = try MediaRuntime.makeLinks(config.media, http: config.http, logger: logger)
            if runsWorker, config.media.publicBaseURL == nil, !config.webhooks.urls.isEmpty {
                logger.warning("PUBLIC_BASE_URL is unset: links in webhooks point at this host's own address, which receivers elsewhere may not reach",
                               metadata: ["base": "\(links.base)"])
            }
            if runsWorker {
                let handlers = makeHandlers(config, client: client, queue: queue, store: store, links: links, faces: faces,
                                            faceIndex: faceIndex, logger: logger)
                try handlers.requireEvery(ImageJob.Kind.allCases.map(\.jobKind))
                for (kind, reason) in handlers.declined {
                    logger.warning("this worker leaves a job kind to others", metadata: ["kind": "\(kind)", "reason": "\(reason)"])
                }
                let pool = WorkerPool(queue: queue, handlers: handlers, config: config.queue, logger: logger)
                services.append(.init(service: pool))
            }
            if role == .worker, config.http.workerPort > 0 {
                // Probes and Prometheus see workers too (the API has its own /health and /metrics).
                // Jobs matter more than the probe: a taken port (several workers on one host) is logged, not fatal.
                services.append(.init(service: NonEssentialService(name: "worker HTTP (/health, /metrics)", logger: logger,
                                                                   base: buildWorkerApplication(
                    host: config.http.workerHost, port: config.http.workerPort, client: client, queue: queue,
                    faceModels: (faces.detection != nil, faces.embedder != nil), concurrency: config.queue.concurrency, logger: logger))))
            }
            // Watches the database on a connection of its own: the API answers 503 at once while it
            // is down, and a pool that gave up during a long outage is replaced once it is back
            // (in workers too, so jobs resume within seconds rather than a minute).
            let availability = DatabaseAvailability(url: database.url, requests: client, logger: logger)
            services.append(.init(service: availability))
            if case .serve = role {
                var dependencies = try await makeServerDependencies(
                    config: config, client: client, queue: queue, store: store, links: links, faces: faces, faceIndex: faceIndex,
                    workerMode: runsWorker ? "in-process" : "disabled", logger: logger)
                dependencies.availability = availability
                let banner = StartupBanner(config: config, port: config.http.port, runsWorker: runsWorker, adminKeyFile: adminKeyFile)
                services.append(.init(service: try buildApplication(http: config.http, dependencies: dependencies) { port in
                    var banner = banner
                    banner.port = port
                    FileHandle.standardOutput.write(Data(banner.text.utf8))
                }))
            }
            // Everything after the pool starts once the pool runs: the group starts services
            // together, and a lease made before `run()` logs PostgresNIO's warning.
            services = services.enumerated().map { index, entry in
                index < startsAfterPool ? entry : .init(service: AfterPoolStarts(client: client, base: entry.service))
            }
            let group = ServiceGroup(configuration: .init(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
            try await group.run()
        } catch {
            await database.embedded?.stop()
            throw error
        }
    }

    /// Services, authentication, scanner and ingest for the HTTP application.
    public static func makeServerDependencies(
        config: AppConfig, client: DatabaseClient, queue: JobQueue, store: any MediaStore, links: MediaLinks, faces: FaceModels,
        faceIndex: FaceIndex? = nil, workerMode: String, logger: Logger
    ) async throws -> ServerDependencies {
        let scanner = MediaRuntime.makeScanner(config.scanner, logger: logger)
        let policy = config.auth.policy
        let linkObserver = config.webhooks.isEnabled
            ? WebhookObserver(enqueuer: WebhookEnqueuer(queue: queue, config: config.webhooks), links: links) : nil
        let ingest = IngestService(
            config: config.ingest, store: store,
            scanning: scanner.map {
                .init(scanner: ScanQueue($0, config: config.scanner, logger: logger), whenUnavailable: config.scanner.whenUnavailable)
            },
            client: client, queue: queue, spoolDirectory: URL(fileURLWithPath: ".data/spool", isDirectory: true),
            policy: policy, erasedReupload: config.auth.erasedReupload,
            linkObserver: linkObserver, logger: logger)
        var models: FaceSearchService.Models?
        if let detection = faces.detection, let embedder = faces.embedder {
            models = .init(detector: makeSearchDetector(config.faces, fallback: detection.detector, logger: logger), embedder: embedder)
        }
        let services = ServiceSet(client: client, queue: queue, links: links, policy: policy, faceModels: models,
                                  faceMatching: config.faces.matching,
                                  anonymizeDefault: config.faces.detectionEnabled ? config.faces.anonymizeDefault : nil, store: store,
                                  linkObserver: linkObserver, faceIndex: faceIndex, logger: logger)
        var jwt: JWTVerifier?
        if let jwtConfig = config.auth.jwt {
            let verifier = JWTVerifier(config: jwtConfig, logger: logger)
            try await verifier.load()
            logger.info("accepting OIDC tokens", metadata: ["issuer": "\(jwtConfig.issuer ?? "any")", "audience": "\(jwtConfig.audience ?? "any")"])
            jwt = verifier
        }
        return ServerDependencies(
            client: client, queue: queue, ingest: ingest, services: services,
            authenticator: CallerAuthenticator(client: client, jwt: jwt, audit: services.audit, logger: logger),
            store: store, links: links, auth: config.auth, pages: try await Pages(),
            webSettings: .init(secureCookies: config.http.secureCookies,
                               strictTransportSecurity: config.media.publicBaseURL?.lowercased().hasPrefix("https://") ?? false,
                               maxFileBytes: config.ingest.maxFileBytes, maxFilesPerRequest: config.ingest.maxFilesPerRequest,
                               faceSearchMinSimilarity: config.faces.searchMinSimilarity, oidcEnabled: config.auth.jwt != nil),
            workerMode: workerMode, logger: logger, scannerHealth: MediaRuntime.scannerHealth(scanner))
    }

    /// The face models a process shares (either may be nil: see the log for why).
    public struct FaceModels: Sendable {
        public var detection: ImageAnalysis.FaceDetector?
        public var embedder: (any FaceEmbedder)?
        /// Age and gender (`FACE_ATTRIBUTES`, off by default).
        public var attributes: FaceAttributeEstimator?

        static func load(_ config: FaceConfig, logger: Logger) -> FaceModels {
            let detection = makeFaceDetection(config, logger: logger)
            let embedder = detection == nil ? nil : makeEmbedder(config, logger: logger)
            return FaceModels(detection: detection, embedder: embedder,
                              attributes: makeAttributeEstimator(config, aligner: embedder as? DlibFaceEmbedder, logger: logger))
        }
    }

    /// The shared face detector, or nil (disabled, or the runtime/model is missing: images are
    /// then processed without faces and the log says why).
    static func makeFaceDetection(_ config: FaceConfig, logger: Logger) -> ImageAnalysis.FaceDetector? {
        guard config.detectionEnabled else {
            logger.info("face detection is off (FACE_DETECTION=false)")
            return nil
        }
        do {
            let runtime = try ONNXRuntime(libraryPath: config.onnxRuntimeLibrary)
            let detector = try CenterFaceDetector(
                runtime: runtime, modelPath: config.detectorModel,
                configuration: .init(detectionSize: config.detectionSize, threshold: Float(config.minConfidence)), logger: logger)
            return ImageAnalysis.FaceDetector(detector: detector, minConfidence: config.minConfidence)
        } catch {
            logger.error("face detection unavailable; images are processed without it", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Face search's own CenterFace session, on two threads: a search is one person waiting, and
    /// detection is the largest part of it (2 threads: 640 px in 13–20 ms instead of 22–28 ms,
    /// `facepipe bench face-search`). Workers keep one thread per job (their parallelism is
    /// one job per core). Falls back to the workers' session if this one cannot load.
    static func makeSearchDetector(_ config: FaceConfig, fallback: CenterFaceDetector, logger: Logger) -> CenterFaceDetector {
        let threads = min(2, ProcessInfo.processInfo.activeProcessorCount)
        guard threads > 1 else { return fallback }
        do {
            return try CenterFaceDetector(runtime: ONNXRuntime(libraryPath: config.onnxRuntimeLibrary), modelPath: config.detectorModel,
                                          intraOpThreads: threads, configuration: fallback.configuration, logger: logger)
        } catch {
            logger.warning("face search uses the workers' one-thread detector", metadata: ["error": "\(error)"])
            return fallback
        }
    }

    /// The age and gender networks, or nil (off, or unusable: the log says why and faces are
    /// embedded without them).
    static func makeAttributeEstimator(_ config: FaceConfig, aligner: DlibFaceEmbedder?, logger: Logger) -> FaceAttributeEstimator? {
        guard config.attributesEnabled else { return nil }
        guard let aligner else {
            logger.error("FACE_ATTRIBUTES needs face embeddings (their aligner cuts the chips); estimating nothing")
            return nil
        }
        do {
            return try FaceAttributeEstimator(runtime: ONNXRuntime(libraryPath: config.onnxRuntimeLibrary),
                                              modelDirectory: config.embedderModels, aligner: aligner)
        } catch {
            logger.error("face attributes unavailable (run scripts/fetch-attribute-models.sh)", metadata: ["error": "\(error)"])
            return nil
        }
    }

    static func makeEmbedder(_ config: FaceConfig, logger: Logger) -> (any FaceEmbedder)? {
        guard config.embeddingsEnabled else { return nil }
        do {
            return try DlibFaceEmbedder(modelDirectory: config.embedderModels)
        } catch {
            logger.error("face embeddings unavailable (face search will find nothing new)", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Applies migrations and exits (`facepipe migrate`).
    public static func migrate(config: AppConfig, logger: Logger) async throws -> [Int] {
        let database = try await DatabaseRuntime.prepare(config.database, logger: logger)
        do {
            let applied = try await Database.withClient(url: database.url, poolSize: 2, logger: logger) { client in
                try await Migrator().migrate(client, logger: logger)
            }
            await database.embedded?.stop()
            return applied
        } catch {
            await database.embedded?.stop()
            throw error
        }
    }

    /// The job kinds this build can run.
    public static func makeHandlers(
        _ config: AppConfig, client: DatabaseClient, queue: JobQueue, store: any MediaStore, links: MediaLinks, faces: FaceModels,
        faceIndex: FaceIndex? = nil, logger: Logger
    ) -> JobHandlerRegistry {
        var registry = JobHandlerRegistry()
        let index = DuplicateIndex(rule: config.processing.duplicates)
        // One per process: `serve` with its worker shares the API's.
        let faceIndex = faceIndex ?? FaceIndex(logger: logger)
        let observer = config.webhooks.isEnabled
            ? WebhookObserver(enqueuer: WebhookEnqueuer(queue: queue, config: config.webhooks), links: links) : nil
        let (detection, embedder) = (faces.detection, faces.embedder)
        // One case per kind: a new `ImageJob` kind does not compile until it is handled here.
        for kind in ImageJob.Kind.allCases {
            switch kind {
            case .process:
                registry.register(kind.jobKind, ProcessImageHandler(
                    client: client, store: store, index: index, config: config.processing, logger: logger, observer: observer,
                    faces: detection, embedFaces: embedder != nil, queue: queue, anonymizeDefault: config.faces.anonymizeDefault))
            case .anonymize:
                guard let detection else {
                    registry.decline(kind.jobKind, because: "face detection is unavailable in this process")
                    continue
                }
                registry.register(kind.jobKind, AnonymizeHandler(client: client, store: store, faces: detection,
                                                                 defaults: config.faces.anonymizeDefault, observer: observer, logger: logger))
            case .embed:
                guard let embedder else {
                    registry.decline(kind.jobKind, because: "face embeddings are unavailable in this process")
                    continue
                }
                registry.register(kind.jobKind, EmbedFacesHandler(client: client, store: store, embedder: embedder, faceIndex: faceIndex, logger: logger,
                                                                  matching: config.faces.matching, linkObserver: observer,
                                                                  attributes: faces.attributes, linking: config.faces.linkingEnabled))
            case .erase:
                registry.register(kind.jobKind, EraseImageHandler(client: client, store: store, logger: logger))
            case .eraseDocument:
                registry.register(kind.jobKind, EraseDocumentHandler(store: store))
            case .relinkDuplicates:
                registry.register(kind.jobKind, RelinkDuplicatesHandler(client: client, store: store, rule: config.processing.duplicates,
                                                                        observer: observer, logger: logger))
            case .render:
                registry.register(kind.jobKind, RenderDocumentHandler(client: client, store: store, queue: queue, config: config.ingest,
                                                                      logger: logger))
            }
        }
        // Registered whenever a secret exists, so deliveries queued earlier still go out.
        registry.registerWebhooks(config.webhooks)
        if config.queue.diagnosticJobs { registry.registerDiagnostics() }
        return registry
    }
}

/// The database a process uses: an external server, or the embedded cluster (started here).
public struct DatabaseRuntime: Sendable {
    public let url: DatabaseURL
    /// Set when this process started or attached to the embedded cluster.
    public let embedded: EmbeddedPostgres?

    public static func prepare(_ config: DatabaseConfig, logger: Logger) async throws -> DatabaseRuntime {
        switch config.target {
        case .external(let url):
            logger.info("using external PostgreSQL", metadata: ["database": "\(url)"])
            return DatabaseRuntime(url: url, embedded: nil)
        case .embedded(let embeddedConfig):
            let server = try await EmbeddedPostgres.start(embeddedConfig, logger: logger)
            let url: DatabaseURL
            do {
                url = try server.url()
                try await Database.withClient(url: url.with(database: "postgres"), poolSize: 2, logger: logger) {
                    try await Database.createDatabaseIfMissing(embeddedConfig.database, using: $0, logger: logger)
                }
            } catch {
                await server.stop()
                throw error
            }
            return DatabaseRuntime(url: url, embedded: server)
        }
    }
}

/// Runs `base` once the pool's `run()` has started.
/// Loads the process's face index once the pool runs, then refreshes it every `period` even
/// when nobody asks: an erased image's vectors leave memory within one period in a process
/// that searches rarely. A failed refresh is logged; the next question refreshes anyway.
struct FaceIndexRefresher: Service {
    let index: FaceIndex
    let client: DatabaseClient
    let logger: Logger
    var period: Duration = .seconds(30)

    func run() async throws {
        var loaded = false
        while !Task.isCancelled {
            do {
                // A million faces take a while to read: a shutdown meanwhile stops the load.
                try await cancelWhenGracefulShutdown { try await index.refresh(client) }
                if !loaded {
                    loaded = true
                    let faces = await index.count
                    logger.info("face index loaded", metadata: ["faces": "\(faces)"])
                }
            } catch where !Task.isCancelled {
                logger.warning("face index refresh failed; the next face search or embed job tries again", metadata: ["error": "\(error)"])
            } catch {
                return
            }
            // Ends early, without error, when the process shuts down.
            guard (try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }) != nil else { return }
        }
    }
}

struct AfterPoolStarts: Service {
    let client: DatabaseClient
    let base: any Service

    func run() async throws {
        await client.waitUntilRunning()
        try await base.run()
    }
}
