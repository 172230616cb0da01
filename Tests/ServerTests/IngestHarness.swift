import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Faces
import Imaging
import Ingest
import Logging
import NIOCore
import Persistence
import Pipeline
import PostgresNIO
import Queue
import Scanning
import Server
import Services
import Storage
import TestSupport
import Testing
import Web

/// A full application on a scratch database, a temporary media root and (optionally) the
/// test clamd, driven through HummingbirdTesting. The client it hands to tests sends an admin
/// key unless a request carries its own `Authorization` (use `env.key(.standard)` for others,
/// `AuthorizedClient.anonymous` for none).
struct IngestHarness: Sendable {
    let client: DatabaseClient
    let store: any MediaStore
    let mediaRoot: URL
    let spool: URL
    let links: MediaLinks
    let signer: URLSigner
    let services: ServiceSet

    static let secret = Array("test-signing-secret-0123456789abcdef".utf8)

    static func run(
        ingest: IngestConfig = IngestConfig(), auth: AuthConfig = IngestHarness.unlimited, scanner: Bool = false,
        unreachableScanner: ScannerConfig.WhenUnavailable? = nil, silentScanner: String? = nil, faceModels: FaceSearchService.Models? = nil,
        faceSearchMinSimilarity: Double = FaceMatchThresholds.defaultPossible, jwt: JWTVerifier? = nil,
        store makeStore: (@Sendable (URL) async throws -> any MediaStore)? = nil, https: Bool = false,
        _ body: @escaping @Sendable (AuthorizedClient, IngestHarness) async throws -> Void
    ) async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-test-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: base) }
            let mediaRoot = base.appendingPathComponent("media")
            let spool = base.appendingPathComponent("spool")
            try FileManager.default.createDirectory(at: mediaRoot, withIntermediateDirectories: true)
            let store: any MediaStore = try await makeStore?(mediaRoot) ?? LocalMediaStore(root: mediaRoot)
            var scanning: IngestService.Scanning?
            if scanner {
                guard let socket = ProcessInfo.processInfo.environment["FACEPIPE_TEST_CLAMD_SOCKET"] else {
                    throw TestSetupError("FACEPIPE_TEST_CLAMD_SOCKET is not set: run the tests with `make test`")
                }
                // In line and retried as `Runtime` does it in the service.
                scanning = .init(scanner: ScanQueue(ClamdScanner(.init(endpoint: .unixSocket(path: socket))), config: ScannerConfig()),
                                 whenUnavailable: .reject)
            }
            if let policy = unreachableScanner {
                let nowhere = base.appendingPathComponent("no-clamd.sock").path
                scanning = .init(scanner: ClamdScanner(.init(endpoint: .unixSocket(path: nowhere), connectTimeout: .seconds(1))),
                                 whenUnavailable: policy)
            }
            if let socket = silentScanner {  // a clamd that takes the connection and never answers
                scanning = .init(scanner: ScanQueue(ClamdScanner(.init(endpoint: .unixSocket(path: socket), connectTimeout: .seconds(1),
                                                                       scanTimeout: .milliseconds(500))), config: ScannerConfig()),
                                 whenUnavailable: .reject)
            }
            var dependencies = try await makeDependencies(client: client, store: store, spool: spool, ingest: ingest, auth: auth,
                                                    scanning: scanning, faceModels: faceModels,
                                                    faceSearchMinSimilarity: faceSearchMinSimilarity, jwt: jwt)
            // As behind PUBLIC_BASE_URL=https://…: Secure cookies and HSTS.
            dependencies.webSettings.secureCookies = https
            dependencies.webSettings.strictTransportSecurity = https
            let app = try buildApplication(http: HTTPConfig(host: "127.0.0.1", port: 0), dependencies: dependencies)
            let harness = IngestHarness(client: client, store: store, mediaRoot: mediaRoot, spool: spool, links: dependencies.links,
                                        signer: try URLSigner(secret: secret), services: dependencies.services)
            let admin = try await harness.key(.admin)
            try await app.test(.router) { try await body(AuthorizedClient(base: $0, key: admin), harness) }
        }
    }

    /// No per-caller limits (tests that check limits set their own).
    static let unlimited = AuthConfig(uploadsPerMinute: 0, faceSearchesPerMinute: 0)

    static func makeDependencies(
        client: DatabaseClient, store: any MediaStore, spool: URL, ingest: IngestConfig = IngestConfig(),
        auth: AuthConfig = IngestHarness.unlimited, scanning: IngestService.Scanning? = nil,
        faceModels: FaceSearchService.Models? = nil, faceSearchMinSimilarity: Double = FaceMatchThresholds.defaultPossible, jwt: JWTVerifier? = nil
    ) async throws -> ServerDependencies {
        let logger = TestDatabase.logger
        let queue = JobQueue(client: client, logger: logger)
        let links = MediaLinks(signer: try URLSigner(secret: secret), baseURL: nil, ttlSeconds: 300)
        let service = IngestService(config: ingest, store: store, scanning: scanning, client: client, queue: queue,
                                    spoolDirectory: spool, policy: auth.policy, erasedReupload: auth.erasedReupload, logger: logger)
        let services = ServiceSet(client: client, queue: queue, links: links, policy: auth.policy, faceModels: faceModels,
                                  faceMatching: FaceMatchThresholds(possible: faceSearchMinSimilarity), store: store, logger: logger)
        var dependencies = ServerDependencies(
            client: client, queue: queue, ingest: service, services: services,
            authenticator: CallerAuthenticator(client: client, jwt: jwt, audit: services.audit, logger: logger),
            store: store, links: links, auth: auth, pages: try await Pages(),
            webSettings: .init(secureCookies: false, maxFileBytes: ingest.maxFileBytes, maxFilesPerRequest: ingest.maxFilesPerRequest,
                               faceSearchMinSimilarity: faceSearchMinSimilarity, oidcEnabled: jwt != nil),
            workerMode: "disabled", logger: logger)
        dependencies.healthDatabaseLimit = patience
        if let scanning {
            dependencies.scannerHealth = {
                do {
                    try await scanning.scanner.ping()
                    return .init(status: "up")
                } catch {
                    return .init(status: "down", detail: "\(error)")
                }
            }
        }
        return dependencies
    }

    /// A new API key of `role` in this test's database (made as the operator would).
    func key(_ role: Role, name: String = "test") async throws -> String {
        try await services.keys.create(role: role, name: name, .commandLine(user: "test")).secret
    }

    /// Regular files under the media root and the spool folder (what a failed upload must not leave).
    func storedFiles() -> [String] {
        [mediaRoot, spool].flatMap { root -> [String] in
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
            return walker.compactMap { item -> String? in
                guard let url = item as? URL, (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { return nil }
                return url.path
            }
        }
    }

    /// A stored object's bytes (the test fails when it is missing).
    func bytes(_ key: String) async throws -> Data {
        let buffer = try #require(try await store.get(try MediaKey(key), maxBytes: 1 << 28))
        return Data(buffer.readableBytesView)
    }

    func imageRows() async throws -> Int { try await scalar("SELECT count(*) FROM images") }

    func scalar(_ sql: String) async throws -> Int {
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Int.self) { return value }
        return 0
    }
}

/// Test images made with libvips from synthetic pixels.
enum TestImages {
    static func noise(width: Int, height: Int, seed: UInt64 = 1) -> RGBPixels {
        var generator = SplitMix64(seed: seed)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for index in pixels.indices { pixels[index] = UInt8(truncatingIfNeeded: generator.next()) }
        return RGBPixels(width: width, height: height, pixels: pixels)
    }

    static func solid(width: Int, height: Int) -> RGBPixels {
        RGBPixels(width: width, height: height, pixels: [UInt8](repeating: 128, count: width * height * 3))
    }

    static func jpeg(width: Int = 320, height: Int = 240, seed: UInt64 = 1) throws -> Data {
        try noise(width: width, height: height, seed: seed).encoded(as: .jpeg(quality: 80)).data
    }

    static func png(_ pixels: RGBPixels) throws -> Data { try pixels.encoded(as: .png).data }

    static let eicar = Data(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)
}

/// A multipart/form-data body.
struct Multipart {
    struct File {
        var name = "files"
        var filename: String
        var contentType: String
        var data: Data
    }

    var files: [File] = []
    var fields: [(String, String)] = []
    let boundary = "facepipe-test-\(UUID().uuidString)"

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    var body: ByteBuffer {
        var buffer = ByteBuffer()
        for (name, value) in fields {
            buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        for file in files {
            buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\n")
            buffer.writeString("Content-Type: \(file.contentType)\r\n\r\n")
            buffer.writeBytes(file.data)
            buffer.writeString("\r\n")
        }
        buffer.writeString("--\(boundary)--\r\n")
        return buffer
    }
}

/// Sends `key` as the bearer credential on every request that does not carry its own
/// `Authorization` header (an empty one means "send none").
struct AuthorizedClient: TestClientProtocol {
    let base: any TestClientProtocol
    let key: String?

    var port: Int? { base.port }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        var headers = headers
        if headers[.authorization] == nil, let key {
            headers[.authorization] = "Bearer \(key)"
        } else if headers[.authorization] == "" {
            headers[.authorization] = nil
        }
        return try await base.executeRequest(uri: localPath(uri), method: method, headers: headers, body: body)
    }

    /// The same application with no credential at all.
    var anonymous: AuthorizedClient { AuthorizedClient(base: base, key: nil) }

    func with(key: String) -> AuthorizedClient { AuthorizedClient(base: base, key: key) }
}

/// The path of a link the API answered with. API links are absolute, built from the request's
/// `Host` (the test client sends `localhost`); following one means requesting its path.
func localPath(_ url: String) -> String {
    url.hasPrefix(testOrigin) ? String(url.dropFirst(testOrigin.count)) : url
}

/// The scheme and host the router test client's requests are made to.
let testOrigin = "http://localhost"

extension HTTPFields {
    static func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }
}

extension TestClientProtocol {
    func upload(_ form: Multipart, requestID: String? = nil, _ check: @escaping (TestResponse) async throws -> Void) async throws {
        var headers: HTTPFields = [.contentType: form.contentType]
        if let requestID { headers[HTTPField.Name("X-Request-Id")!] = requestID }
        try await execute(uri: "/upload/images", method: .post, headers: headers, body: form.body) { try await check($0) }
    }
}

extension TestResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var files: [[String: Any]] { json["files"] as? [[String: Any]] ?? [] }
}

extension JobHandlerRegistry {
    /// Runs queued jobs of the registered kinds (but `except`) one at a time until none is left,
    /// as a worker would: what the tests use instead of a worker pool.
    func runAll(on queue: JobQueue, except: Set<String> = []) async throws {
        let kinds = self.kinds.filter { !except.contains($0) }
        while let job = try await queue.claim(worker: "t", kinds: kinds, limit: 1, leaseSeconds: 60).first {
            try await handler(for: job.kind)!.handle(job, context: JobContext(logger: TestDatabase.logger, workerID: "t"))
            try await queue.complete([job.id], worker: "t")
        }
    }
}

extension IngestHarness {
    /// What a worker with face models runs, for the tests: process_image with detection, then
    /// embed_faces (links, identities, attributes when an estimator is given), one job at a time.
    func faceWorker(_ detection: ImageAnalysis.FaceDetector, _ embedder: any FaceEmbedder, attributes: FaceAttributeEstimator? = nil,
                    linking: Bool = true, observer: (any ProcessingObserver)? = nil, extra: (inout JobHandlerRegistry) -> Void = { _ in })
        -> @Sendable () async throws -> Void
    {
        let queue = JobQueue(client: client, logger: TestDatabase.logger)
        var handlers = JobHandlerRegistry()
        handlers.register(.processImage, ProcessImageHandler(
            client: client, store: store, index: DuplicateIndex(), config: ProcessingConfig(),
            logger: TestDatabase.logger, observer: observer, faces: detection, embedFaces: true))
        handlers.register(.embedFaces, EmbedFacesHandler(client: client, store: store, embedder: embedder, faceIndex: FaceIndex(logger: TestDatabase.logger), logger: TestDatabase.logger,
                                                         linkObserver: observer, attributes: attributes, linking: linking))
        extra(&handlers)
        let registry = handlers
        return { try await registry.runAll(on: queue) }
    }
}
