import App
import Faces
import FacepipeCore
import Foundation
import Imaging
import Pipeline
import Persistence
import Queue
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import Server
@testable import Services
import Storage
import Testing
import TestSupport

/// Issue 22's attacks, each performed as a hostile caller would through real HTTP. Each of
/// these passed against the code before the fix (the attack worked) and must now fail.
@Suite struct PrivacyAttackTests {
    /// Item 5: the router reaches the same handler through `//upload/images` and
    /// `/upload/images/`; the limiter must count those spellings against the same bucket.
    @Test func rateLimitsCannotBeSkippedWithExtraSlashes() async throws {
        let auth = AuthConfig(uploadsPerMinute: 2, faceSearchesPerMinute: 0,
                              rateLimitWindow: .seconds(86_400))
        try await IngestHarness.run(auth: auth) { client, env in
            var seed: UInt64 = 100
            func form() throws -> Multipart {
                seed += 1
                return try Self.jpegForm(seed: seed)
            }
            try await client.upload(try form()) { #expect($0.status == .ok) }
            for uri in ["//upload/images", "/upload/images/", "/upload//images", "/UPLOAD/images/"] {
                let body = try form()
                try await client.execute(uri: uri, method: .post, headers: [.contentType: body.contentType], body: body.body) { response in
                    // The first extra spelling takes the second token; every later one is refused,
                    // and a spelling the router does not route is still never a way around.
                    #expect(response.status.code == 200 || response.status.code == 429 || response.status.code == 404, "\(uri)")
                }
            }
            let rows = try await env.imageRows()
            #expect(rows == 2, "two uploads a minute: \(rows) were stored through other spellings of the path")
            #expect(CallerRateLimitMiddleware.routedPath("//search/face/") == "/search/face")
        }
    }

    /// Faces the detector finds (at its usual 0.5) in a `/media` link the caller was handed.
    static func faces(in url: String, _ client: some TestClientProtocol, _ detector: CenterFaceDetector) async throws -> Int {
        var count = -1
        try await client.execute(uri: url, method: .get) { response in
            #expect(response.status == .ok, "\(url)")
            // Signed links may be cached by the browser only, and no longer than they live.
            #expect(response.headers[.cacheControl]?.hasPrefix("private") == true)
            count = try detector.detect(try DecodedImage(Data(buffer: response.body), maxDimension: 1000), threshold: 0.5).count
        }
        return count
    }

    /// A multipart upload of one small synthetic JPEG (distinct bytes per seed).
    static func jpegForm(seed: UInt64) throws -> Multipart {
        Multipart(files: [.init(filename: "x.jpg", contentType: "image/jpeg", data: try TestImages.jpeg(seed: seed))])
    }

    static func thumbnails(_ json: [String: Any]) -> [String: String] {
        (json["thumbnails"] as? [String: String]) ?? [:]
    }

    static func upload(_ client: some TestClientProtocol, _ photo: String, report: String?, isPublic: Bool = false) async throws -> String {
        var form = Multipart(files: [.init(filename: photo, contentType: "image/jpeg", data: try FaceSearchTests.photo(photo))])
        if let report { form.fields.append(("reportId", report)) }
        if isPublic { form.fields.append(("public", "true")) }
        var id = ""
        try await client.upload(form) { response in
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            id = response.files.first?["id"] as? String ?? ""
        }
        return id
    }

    /// Items 1 and 6: a standard caller was handed unblurred `thumb`/`medium`/`large` links, and
    /// turning `blurred` into `large` in its face-search thumbnail's path opened the unblurred
    /// 800 px face with no credential, cached `public, immutable` for a year. Now every size a
    /// standard caller gets is blurred, every link is signed and private, keys carry a token,
    /// and an edited path opens nothing.
    @Test func callersBelowGoldNeverReachAnUnblurredFace() async throws {
        let (detection, embedder) = try FaceSearchTests.models()
        try await IngestHarness.run(faceModels: .init(detector: detection.detector, embedder: embedder)) { client, env in
            let id = try await Self.upload(client, "obama.jpg", report: "r-face")
            try await env.faceWorker(detection, embedder)()
            let standard = client.with(key: try await env.key(.standard)), gold = client.with(key: try await env.key(.gold))
            var shown: [String: [String: String]] = [:]
            for (caller, role) in [(standard, "standard"), (gold, "gold")] {
                try await caller.execute(uri: "/images/\(id)", method: .get) { shown[role] = Self.thumbnails($0.json) }
                try await caller.execute(uri: "/images?limit=5", method: .get) { response in
                    let item = (response.json["items"] as? [[String: Any]])?.first { $0["id"] as? String == id } ?? [:]
                    let listed = Self.thumbnails(item)
                    #expect(listed.mapValues { $0.prefix { $0 != "?" } } == shown[role]?.mapValues { $0.prefix { $0 != "?" } }, "\(role)")
                }
            }
            let mine = try #require(shown["standard"]), theirs = try #require(shown["gold"])
            for size in ["thumb", "medium", "large", "view"] {
                let url = try #require(mine[size], "standard gets a \(size) thumbnail")
                #expect(try await Self.faces(in: url, standard, detection.detector) == 0, "standard \(size) shows a face")
            }
            #expect(try await Self.faces(in: try #require(theirs["large"]), gold, detection.detector) == 1, "gold sees the face")
            #expect(try await Self.faces(in: try #require(theirs["view"]), gold, detection.detector) == 1, "gold sees the whole picture")

            // The attack: edit the blurred link towards the unblurred file, with and without its signature.
            let blurred = localPath(try #require(mine["large"]))
            let path = String(blurred.prefix { $0 != "?" }), query = String(blurred.drop { $0 != "?" })
            let unblurredPath = String(localPath(try #require(theirs["large"])).prefix { $0 != "?" })
            for edited in [path.replacingOccurrences(of: "blurred_large", with: "large"), unblurredPath + query, unblurredPath, path,
                           "/media/thumbnails/large/\(id).webp", "/media/thumbnails/blurred/\(id).webp"] {
                for caller in [standard, client.anonymous] {
                    try await caller.execute(uri: edited, method: .get) { response in
                        #expect([400, 403, 404].contains(response.status.code), "\(edited): \(response.status)")
                        #expect(response.body.readableBytes < 300, "no image bytes for \(edited)")
                    }
                }
            }
            // The unblurred key cannot be worked out from the image id.
            #expect(unblurredPath.hasPrefix("/media/thumbnails/large/\(id)-") && unblurredPath != "/media/thumbnails/large/\(id).webp")

            // A copy that masks nothing (an admin's `none` review copy) is listed below gold without a link.
            try await client.execute(uri: "/images/\(id)/process", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"replacewith":"none"}"#)) { #expect($0.status == .accepted) }
            try await env.faceWorker(detection, embedder, extra: {
                $0.register(.anonymize, AnonymizeHandler(client: env.client, store: env.store, faces: detection, logger: TestDatabase.logger))
            })()
            for (caller, linked) in [(standard, false), (gold, true)] {
                try await caller.execute(uri: "/images/\(id)", method: .get) { response in
                    let copies = response.json["processed"] as? [[String: Any]] ?? []
                    #expect(copies.count == 1 && copies.allSatisfy { $0["status"] as? String == "done" })
                    #expect(copies.allSatisfy { ($0["url"] != nil) == linked }, "\(copies)")
                }
            }

            // The same on the page a standard caller opens (a browser session is the same caller).
            try await standard.execute(uri: "/ui/images/\(id)", method: .get) { response in
                let page = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(!page.contains(unblurredPath.dropFirst("/media/".count)), "the page shows the unblurred large thumbnail")
                // The page shows the whole picture, blurred, and no outline of where the face was.
                let unblurredView = String(localPath(theirs["view"] ?? "").prefix { $0 != "?" }.dropFirst("/media/".count))
                let blurredView = String(localPath(mine["view"] ?? "").prefix { $0 != "?" }.dropFirst("/media/".count))
                #expect(!unblurredView.isEmpty && !page.contains(unblurredView), "the page shows the unblurred view")
                #expect(!blurredView.isEmpty && page.contains(blurredView))
                #expect(!page.contains("class=\"face\""))
            }
        }
    }

    /// Item 2: any standard caller could upload into someone else's approved report; the face
    /// became searchable at once under that report. Now it waits for an admin (audited), and
    /// counts for nothing until approved; the uploader's own new report takes it at once.
    @Test func evidenceCannotBeInjectedIntoSomeoneElsesReport() async throws {
        let (detection, embedder) = try FaceSearchTests.models()
        try await IngestHarness.run(faceModels: .init(detector: detection.detector, embedder: embedder), faceSearchMinSimilarity: 0.5) { client, env in
            _ = try await Self.upload(client, "biden.jpg", report: "r-victim")
            try await client.execute(uri: "/reports/r-victim", method: .put, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"status":"approved"}"#)) { #expect($0.status == .ok) }
            let attacker = client.with(key: try await env.key(.standard))
            let injected = try await Self.upload(attacker, "obama.jpg", report: "r-victim")
            let own = try await Self.upload(attacker, "obama2.jpg", report: "r-attacker-own")
            try await env.faceWorker(detection, embedder)()

            /// Each match as "report/image".
            func search() async throws -> [String] {
                let form = Multipart(files: [.init(name: "image", filename: "q.jpg", contentType: "image/jpeg",
                                                   data: try FaceSearchTests.photo("obama3.jpg"))])
                var found: [String] = []
                try await client.execute(uri: "/search/face", method: .post, headers: [.contentType: form.contentType], body: form.body) {
                    found = ($0.json["matches"] as? [[String: Any]] ?? []).map { "\($0["reportId"] as? String ?? "")/\($0["imageId"] as? String ?? "")" }
                }
                return found
            }
            let before = try await search()
            #expect(!before.contains { $0.hasSuffix("/" + injected) }, "the injected face is searchable: \(before)")
            try await client.execute(uri: "/reports/r-victim", method: .get) { response in
                #expect((response.json["imageIds"] as? [String])?.contains(injected) == false)
                #expect(response.json["pendingImageIds"] as? [String] == [injected])
            }
            try await client.execute(uri: "/reports/r-attacker-own", method: .get) {
                #expect($0.json["imageIds"] as? [String] == [own])
            }
            // Their own report's links would list every approved report holding that face: a face
            // search without an audit entry. Below admin, links are for approved reports only.
            try await attacker.execute(uri: "/reports/r-attacker-own/links", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/reports/r-attacker-own/links", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/images/\(injected)", method: .get) { #expect($0.json["reportId"] == nil || $0.json["reportId"] is NSNull) }
            #expect(try await env.scalar("SELECT count(*) FROM report_links WHERE 'r-victim' IN (report1, report2)") == 0)
            #expect(try await env.scalar(
                "SELECT count(*) FROM audit_log WHERE action = 'report_evidence_added' AND target = 'report:r-victim' AND data->>'pending' = 'true'") == 1)
            // The attacker cannot approve it; an admin can, and then it counts.
            let decision = ByteBuffer(string: #"{"decision":"approve"}"#)
            try await attacker.execute(uri: "/reports/r-victim/images/\(injected)", method: .post,
                                       headers: [.contentType: "application/json"], body: decision) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/reports/r-victim/images/\(injected)", method: .post,
                                     headers: [.contentType: "application/json"], body: decision) { response in
                #expect(response.status == .ok)
                #expect((response.json["imageIds"] as? [String])?.contains(injected) == true)
            }
            try await client.execute(uri: "/reports/r-victim/images/\(injected)", method: .post,
                                     headers: [.contentType: "application/json"], body: decision) { #expect($0.status == .notFound) }
            try await env.faceWorker(detection, embedder)()
            let after = try await search()
            #expect(after.contains("r-victim/" + injected), "\(after)")
        }
    }

    /// Item 3: a standard caller read `faces[].identityId` from their own upload and listed
    /// every report holding that person through `GET /reports/{id}`: a face search without an
    /// audit entry. Below admin, neither answer carries identity ids now.
    @Test func identityIdsAreNotHandedOutWithoutAnAuditedSearch() async throws {
        let (detection, embedder) = try FaceSearchTests.models()
        try await IngestHarness.run(faceModels: .init(detector: detection.detector, embedder: embedder)) { client, env in
            _ = try await Self.upload(client, "obama.jpg", report: "r-known")
            let standard = client.with(key: try await env.key(.standard))
            let mine = try await Self.upload(standard, "obama2.jpg", report: "r-probe")
            try await env.faceWorker(detection, embedder)()
            for (caller, expectIDs) in [(standard, false), (client, true)] {
                try await caller.execute(uri: "/images/\(mine)", method: .get) { response in
                    let faces = response.json["faces"] as? [[String: Any]] ?? []
                    #expect(faces.count == 1)
                    #expect(faces.allSatisfy { $0["identityId"] != nil } == expectIDs, "\(faces)")
                }
                try await caller.execute(uri: "/reports/r-known", method: .get) { response in
                    #expect(((response.json["identityIds"] as? [String]) ?? []).isEmpty != expectIDs)
                }
            }
        }
    }

    /// Item 7: a public image whose faces were never checked (detection off) was listed in the
    /// gallery at once with unblurred thumbnails. It stays out until an anonymized copy passed
    /// verification, and then the gallery shows no face.
    @Test func theGalleryShowsOnlyImagesWhoseFacesWereChecked() async throws {
        let (detection, _) = try FaceSearchTests.models()
        try await IngestHarness.run { client, env in
            let id = try await Self.upload(client, "obama.jpg", report: nil, isPublic: true)
            let queue = JobQueue(client: env.client, logger: TestDatabase.logger)
            // A worker without the face model.
            var blind = JobHandlerRegistry()
            blind.register(.processImage, ProcessImageHandler(
                client: env.client, store: env.store, index: DuplicateIndex(), config: ProcessingConfig(),
                logger: TestDatabase.logger, queue: queue))
            try await blind.runAll(on: queue, except: ["anonymize"])
            func gallery() async throws -> [[String: Any]] {
                var items: [[String: Any]] = []
                try await client.anonymous.execute(uri: "/gallery", method: .get) { items = $0.json["items"] as? [[String: Any]] ?? [] }
                return items
            }
            #expect(try await gallery().isEmpty, "an image whose faces were never checked is in the gallery")
            try await client.anonymous.execute(uri: "/ui/gallery", method: .get) { #expect(!String(buffer: $0.body).contains(id.prefix(8))) }
            // Processed again with the model, then anonymized and verified: listed, faces hidden.
            var seeing = JobHandlerRegistry()
            seeing.register(.processImage, ProcessImageHandler(
                client: env.client, store: env.store, index: DuplicateIndex(), config: ProcessingConfig(),
                logger: TestDatabase.logger, faces: detection, queue: queue))
            seeing.register(.anonymize, AnonymizeHandler(client: env.client, store: env.store, faces: detection, logger: TestDatabase.logger))
            try await client.execute(uri: "/images/\(id)/process", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"pipeline":"process"}"#)) { #expect($0.status == .accepted) }
            try await seeing.runAll(on: queue)
            let items = try await gallery()
            #expect(items.map { $0["id"] as? String } == [id])
            // Seed 002's gallery: the verified anonymized copies, never the original's thumbnails.
            #expect(items.first?["thumbnails"] == nil)
            let copies = items.first?["processed"] as? [[String: Any]] ?? []
            #expect(!copies.isEmpty && copies.allSatisfy { ($0["verification"] as? [String: Any])?["verified"] as? Bool == true })
            for copy in copies {
                let url = try #require(copy["url"] as? String)
                #expect(try await Self.faces(in: url, client.anonymous, detection.detector) == 0, "the gallery's copy shows a face")
            }
            try await client.anonymous.execute(uri: "/ui/gallery", method: .get) { response in
                let page = String(buffer: response.body)
                #expect(page.contains("/media/processed/") && !page.contains("/media/thumbnails/"), "the public page shows copies only")
            }
        }
    }

    /// Item 12: a standard caller read every job — other callers' request ids, webhook
    /// receivers and their answers, worker names. Now only the jobs of their own requests,
    /// never webhook deliveries, without worker details.
    @Test func callersFollowTheirOwnJobsOnly() async throws {
        try await IngestHarness.run { client, env in
            let alice = client.with(key: try await env.key(.standard, name: "alice"))
            let bob = client.with(key: try await env.key(.standard, name: "bob"))
            let form = Multipart(files: [.init(filename: "a.jpg", contentType: "image/jpeg", data: try TestImages.jpeg(seed: 7))])
            var job = 0
            try await alice.upload(form) { job = $0.files.first?["jobId"] as? Int ?? 0 }
            try await env.client.query(
                "INSERT INTO jobs (kind, payload, requested_by) VALUES ('webhook', '{\"url\":\"https://hooks.example/x\"}', 'key:x')")
            func jobs(_ caller: AuthorizedClient) async throws -> [[String: Any]] {
                var items: [[String: Any]] = []
                try await caller.execute(uri: "/jobs?limit=50", method: .get) { items = $0.json["items"] as? [[String: Any]] ?? [] }
                return items
            }
            #expect(try await jobs(bob).isEmpty, "bob sees alice's jobs")
            try await bob.execute(uri: "/jobs/\(job)", method: .get) { #expect($0.status == .notFound) }
            let own = try await jobs(alice)
            #expect(own.map { $0["id"] as? Int } == [job])
            #expect(own.allSatisfy { $0["claimedBy"] == nil && $0["dedupeKey"] == nil })
            try await alice.execute(uri: "/jobs/\(job)", method: .get) { #expect($0.status == .ok) }
            #expect(try await jobs(client).contains { $0["kind"] as? String == "webhook" }, "admins still see every job")
        }
    }

    /// Item 12: `login_failed` rows grew without bound when the guesser rotated addresses.
    /// At most 60 a minute now, and the next minute says how many went unlisted.
    @Test func rotatingAddressesCannotFloodTheAuditLog() async throws {
        try await IngestHarness.run { _, env in
            let log = FailedLoginLog(audit: env.services.audit, logger: TestDatabase.logger)
            let start = ContinuousClock.now
            for i in 0..<500 { await log.note(address: "10.0.\(i / 250).\(i % 250)", requestID: nil, now: start) }
            let sql = "SELECT count(*) FROM audit_log WHERE action = 'login_failed'"
            let listed = try await env.scalar(sql)
            #expect(listed == FailedLoginLog.maxEntriesPerMinute)
            await log.note(address: "10.9.9.9", requestID: nil, now: start + .seconds(61))
            let after = try await env.scalar(sql)
            #expect(after == FailedLoginLog.maxEntriesPerMinute + 2)
            let unlisted = try await env.scalar(
                "SELECT (data->>'unlisted_in_previous_minute')::int FROM audit_log WHERE data ? 'unlisted_in_previous_minute'")
            #expect(unlisted == 440)
        }
    }

    /// Item 12: replicas starting together on an empty database each created a first admin key.
    @Test func replicasStartingTogetherCreateOneFirstAdminKey() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let policy = AccessPolicy()
            let keys = KeyService(client: client, audit: AuditService(client: client, policy: policy, logger: TestDatabase.logger),
                                  policy: policy, logger: TestDatabase.logger)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("first-admin-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let written = try await withThrowingTaskGroup(of: String?.self) { group in
                for replica in 0..<4 {
                    group.addTask { try await keys.ensureFirstAdminKey(file: folder.appendingPathComponent("\(replica).key").path,
                                                                      logger: TestDatabase.logger) }
                }
                var written: [String?] = []
                for try await path in group { written.append(path) }
                return written
            }
            #expect(written.compactMap { $0 }.count == 1, "\(written)")
            var admins = 0
            for try await count in try await client.query("SELECT count(*)::int FROM api_keys WHERE role = 'admin'").decode(Int.self) {
                admins = count
            }
            #expect(admins == 1)
        }
    }

    /// Item 11: signed links (signature included) were written to the access log, where anyone
    /// who reads the log could open the file until the link expired.
    @Test func accessLogLinesCarryNoSignature() {
        let line = AccessLogMiddleware<AppRequestContext>.scrubbed(
            path: "/media/originals/2026/12/a.jpg", query: "expires=1767225600&signature=AbC-123_xyz&x=1")
        #expect(line == "/media/originals/2026/12/a.jpg?expires=1767225600&signature=***&x=1")
        #expect(AccessLogMiddleware<AppRequestContext>.scrubbed(path: "/uploads/u", query: "SIGNATURE=s&expires=1")
            == "/uploads/u?SIGNATURE=***&expires=1")
        #expect(AccessLogMiddleware<AppRequestContext>.scrubbed(path: "/health", query: nil) == "/health")
    }

    /// Item 11: behind HTTPS, every answer asks browsers to stay on HTTPS, and the session
    /// cookie is Secure; by default (no setting) cookies are Secure too.
    @Test func httpsDeploymentsSendHSTSAndSecureCookies() async throws {
        #expect(try AppConfig(from: DictionaryConfigSource([:])).http.secureCookies)
        #expect(try AppConfig(from: DictionaryConfigSource(["COOKIE_SECURE": "false"])).http.secureCookies == false)
        try await IngestHarness.run(https: true) { client, env in
            for uri in ["/health", "/ui/login", "/images/\(UUID().uuidString)"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000", "\(uri)")
                }
            }
            let key = try await env.key(.standard)
            try await client.anonymous.execute(uri: "/ui/login", method: .get) { response in
                let cookies = response.headers[values: .setCookie]
                #expect(!cookies.isEmpty && cookies.allSatisfy { $0.contains("Secure") }, "\(cookies)")
            }
            _ = key
        }
    }

    /// The first anonymous upload to a predictable report id must not make the report theirs:
    /// when the platform approves that report later, its faces would be searchable under it.
    @Test func anonymousUploadsOwnNoReport() async throws {
        let auth = AuthConfig(policy: AccessPolicy(publicUploads: true), uploadsPerMinute: 0, faceSearchesPerMinute: 0)
        try await IngestHarness.run(auth: auth) { client, env in
            var form = Multipart(files: [.init(filename: "a.jpg", contentType: "image/jpeg", data: try TestImages.jpeg(seed: 11))])
            form.fields = [("reportId", "r-1001")]
            var id = ""
            try await client.anonymous.upload(form) { id = $0.files.first?["id"] as? String ?? "" }
            try await client.execute(uri: "/reports/r-1001", method: .get) { response in
                #expect(response.json["imageCount"] as? Int == 0)
                #expect(response.json["pendingImageIds"] as? [String] == [id])
            }
            #expect(try await env.scalar("SELECT count(*) FROM audit_log WHERE action = 'report_evidence_added'") == 1)
        }
    }

    /// Item 5: each replica kept its own buckets, so N replicas allowed N times the limit.
    /// Two applications on one database (as two API replicas) now share them.
    @Test func rateLimitsAreSharedByEveryReplica() async throws {
        let auth = AuthConfig(uploadsPerMinute: 2, faceSearchesPerMinute: 0,
                              rateLimitWindow: .seconds(86_400))
        try await IngestHarness.run(auth: auth) { client, env in
            var seed: UInt64 = 300
            func form() throws -> Multipart {
                seed += 1
                return try Self.jpegForm(seed: seed)
            }
            try await client.upload(try form()) { #expect($0.status == .ok) }
            try await client.upload(try form()) { #expect($0.status == .ok) }
            let spool = env.spool.appendingPathComponent("replica")
            let other = try await IngestHarness.makeDependencies(client: env.client, store: env.store, spool: spool, auth: auth)
            let replica = try buildApplication(http: HTTPConfig(host: "127.0.0.1", port: 0), dependencies: other)
            let key = client.key ?? ""
            let upload = try form()
            try await replica.test(.router) { second in
                try await second.execute(uri: "/upload/images", method: .post,
                                         headers: [.contentType: upload.contentType, .authorization: "Bearer \(key)"], body: upload.body) {
                    #expect($0.status.code == 429, "the second replica has a budget of its own")
                }
            }
            #expect(try await env.imageRows() == 2)
        }
    }

    /// Item 5: bodies were read whole whatever their size; JSON routes now take 64 KiB at most,
    /// refused before anything is read when declared, cut off when streamed.
    @Test func oversizedBodiesAreRefusedBeforeRouting() async throws {
        try await IngestHarness.run { client, env in
            let big = ByteBuffer(string: #"{"status":"approved","perpetratorName":""# + String(repeating: "a", count: 100_000) + #""}"#)
            try await client.execute(uri: "/reports/r-big", method: .put, headers: [.contentType: "application/json"], body: big) { response in
                #expect(response.status.code == 413)
                #expect(response.errorCode == "body_too_large")
            }
            #expect(try await env.scalar("SELECT count(*) FROM reports") == 0)
            // A small one goes through.
            try await client.execute(uri: "/reports/r-small", method: .put, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"status":"approved"}"#)) { #expect($0.status == .ok) }
        }
    }

    /// Item 8: a render that hung was abandoned on a thread, in the API or worker process, and
    /// kept running. Documents are parsed in a child now, killed at its deadline: here a child
    /// that never answers (a stand-in for a hostile file poppler spins on) is stopped after 1 s.
    @Test func aDocumentChildThatNeverAnswersIsKilled() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let stuck = folder.appendingPathComponent("facepipe")
        try "#!/bin/sh\nexec sleep 600\n".write(to: stuck, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: stuck.path)
        let sandbox = DocumentSandbox(executable: stuck, limits: .init(seconds: 1, memoryMB: 512))
        do {
            _ = try await sandbox.probe(fileAt: stuck, type: .pdf, config: IngestConfig())
            Issue.record("the stuck child answered")
        } catch let error as DocumentError {
            #expect("\(error)".contains("stopped"), "\(error)")
        }
        // The real child renders in its own process and answers.
        let pdf = folder.appendingPathComponent("a.pdf")
        try SamplePDF.make([.init(text: "page one"), .init(text: "page two")]).write(to: pdf)
        #expect(try await DocumentSandbox().probe(fileAt: pdf, type: .pdf, config: IngestConfig()) == 2)
    }
}
