import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Queue
import Storage
import Testing
import TestSupport

@testable import App
@testable import Server

/// Issue 24: a client written from seed 000's examples — field names, statuses, absolute URLs —
/// uploads, polls and reads the webhook, and nothing trips it.
@Suite struct SeedContractTests {
    @Test func aSeedClientUploadsPollsAndReadsTheWebhook() async throws {
        let (detection, embedder) = try FaceSearchTests.models()
        let config = try AppConfig(from: DictionaryConfigSource([
            "WEBHOOK_URLS": "http://127.0.0.1:9/hook", "WEBHOOK_SECRET": "5e1c0b9a7f3d2e8c6a4b1d0f9e7c5a3b",
        ]))
        try await IngestHarness.run { client, env in
            // §2.1 multipart upload: seed 000's answer fields, absolute links.
            var form = Multipart(files: [.init(filename: "t1.jpg", contentType: "image/jpeg", data: try FaceSearchTests.photo("t1.jpg"))])
            form.fields = [("reportId", "seed-r1")]
            var id = "", jobID = 0
            try await client.upload(form) { response in
                #expect(response.status == .ok)
                let file = response.files.first ?? [:]
                id = file["id"] as? String ?? ""
                jobID = file["jobId"] as? Int ?? 0
                #expect(file["status"] as? String == "processing")
                #expect((file["originalUrl"] as? String)?.hasPrefix(testOrigin + "/media/originals/") == true, "\(file)")
                #expect((file["thumbnails"] as? [Any])?.isEmpty == true, "no thumbnails before processing")
            }
            // §2.2 presigned upload: {filename, contentType, size} → {uploadUrl, fileKey, expiresIn: 3600}.
            let shot = try TestImages.jpeg(seed: 24)
            var uploadURL = ""
            try await client.execute(uri: "/upload/presigned", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"filename":"shot.jpg","contentType":"image/jpeg","size":\#(shot.count)}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.json["expiresIn"] as? Int == 3600)
                #expect((response.json["fileKey"] as? String)?.isEmpty == false)
                uploadURL = response.json["uploadUrl"] as? String ?? ""
                #expect(uploadURL.hasPrefix(testOrigin + "/uploads/"), "\(uploadURL)")
            }
            try await client.anonymous.execute(uri: uploadURL, method: .put, headers: [.contentType: "image/jpeg"], body: ByteBuffer(data: shot)) {
                #expect($0.status == .created)
                #expect($0.json["status"] as? String == "processing" && $0.json["originalUrl"] == nil)
            }

            // Polling the job in seed 002's words.
            try await client.execute(uri: "/jobs/\(jobID)", method: .get) { #expect($0.json["status"] as? String == "queued") }

            // The worker as `facepipe worker` assembles it, without PUBLIC_BASE_URL: links fall back
            // to the address serve listens on (here the test client's origin, so they can be followed).
            let links = MediaLinks(signer: try URLSigner(secret: IngestHarness.secret), baseURL: nil, fallbackBaseURL: testOrigin,
                                   ttlSeconds: 300)
            let queue = JobQueue(client: env.client, logger: TestDatabase.logger)
            let registry = Runtime.makeHandlers(config, client: env.client, queue: queue, store: env.store, links: links,
                                                faces: .init(detection: detection, embedder: embedder), logger: TestDatabase.logger)
            while let job = try await queue.claim(worker: "t", kinds: ["process_image"], limit: 1, leaseSeconds: 600).first {
                try await registry.handler(for: job.kind)!.handle(job, context: JobContext(logger: TestDatabase.logger, workerID: "t"))
                _ = try await queue.complete([job.id], worker: "t")
            }
            try await client.execute(uri: "/jobs/\(jobID)", method: .get) { #expect($0.json["status"] as? String == "done") }
            // The image says where its anonymization stands (none asked for: none).
            try await client.execute(uri: "/images/\(id)", method: .get) {
                #expect($0.json["status"] as? String == "done" && $0.json["anonymization"] as? String == "none", "\($0.json)")
            }

            // §9.2 image.processed: {"event", "data": {id, reportId, status: completed, thumbnails: [{size, url}], hasFaces,
            // faceCount, duplicates: []}}.
            var bodies: [String] = []
            for try await body in try await env.client.query(
                "SELECT payload->>'body' FROM jobs WHERE kind = 'webhook' AND image_id = \(UUID(uuidString: id)!)").decode(String.self) {
                bodies.append(body)
            }
            let delivery = try #require(bodies.first)
            let envelope = try #require(try JSONSerialization.jsonObject(with: Data(delivery.utf8)) as? [String: Any])
            #expect(Set(envelope.keys) == ["event", "data"])
            #expect(envelope["event"] as? String == "image.processed")
            let data = try #require(envelope["data"] as? [String: Any])
            #expect(data["id"] as? String == id && data["reportId"] as? String == "seed-r1" && data["status"] as? String == "completed")
            #expect(data["hasFaces"] as? Bool == true && (data["faceCount"] as? Int ?? 0) >= 6)
            #expect(data["duplicates"] as? [Any] != nil)
            let thumbnails = data["thumbnails"] as? [[String: Any]] ?? []
            #expect(thumbnails.compactMap { $0["size"] as? String } == ["thumb", "medium", "large"])
            for thumbnail in thumbnails {
                let url = thumbnail["url"] as? String ?? ""
                #expect(url.hasPrefix(testOrigin + "/media/thumbnails/"), "\(url)")
                try await client.anonymous.execute(uri: url, method: .get) { #expect($0.status == .ok, "\(url)") }
            }

            // The same bytes again: the answer says the image's own state, with its thumbnails.
            try await client.upload(Multipart(files: [.init(filename: "t1.jpg", contentType: "image/jpeg",
                                                            data: try FaceSearchTests.photo("t1.jpg"))])) { response in
                let file = response.files.first ?? [:]
                #expect(file["duplicate"] as? Bool == true && file["status"] as? String == "done", "\(file)")
                #expect((file["thumbnails"] as? [[String: Any]])?.compactMap { $0["size"] as? String } == ["thumb", "medium", "large"])
            }
            // A standard caller is not handed the original.
            let standard = client.with(key: try await env.key(.standard))
            try await standard.upload(Multipart(files: [.init(filename: "t1.jpg", contentType: "image/jpeg",
                                                              data: try FaceSearchTests.photo("t1.jpg"))])) { response in
                let file = response.files.first ?? [:]
                #expect(file["status"] as? String == "done", "\(file)")
                #expect(file["originalUrl"] == nil, "\(file)")
            }
        }
    }
}

/// The base of the API's absolute links, from the request (issue 24).
@Suite struct RequestBaseURLTests {
    @Test func theHostHeaderNamesTheBaseAndOnlyATrustedProxyChangesIt() {
        #expect(RequestBaseURL.from(host: "evidence.example:8080", forwardedProto: nil, forwardedHost: nil, peerIsTrustedProxy: false)
            == "http://evidence.example:8080")
        // An untrusted peer's forwarding headers are ignored.
        #expect(RequestBaseURL.from(host: "10.0.0.5:8080", forwardedProto: "https", forwardedHost: "evil.example",
                                    peerIsTrustedProxy: false) == "http://10.0.0.5:8080")
        #expect(RequestBaseURL.from(host: "10.0.0.5:8080", forwardedProto: "http, https", forwardedHost: "Evil.example, Evidence.Example",
                                    peerIsTrustedProxy: true) == "https://evidence.example")
        #expect(RequestBaseURL.from(host: "[::1]:8080", forwardedProto: nil, forwardedHost: nil, peerIsTrustedProxy: false)
            == "http://[::1]:8080")
    }

    @Test(arguments: ["evil.example/path", "a b", "evil.example:99999", "user@evil.example", "", "evil.example:", "[::1", "x\"><script>"])
    func aHostThatIsNotPlainGivesNoBase(host: String) {
        #expect(RequestBaseURL.from(host: host, forwardedProto: nil, forwardedHost: nil, peerIsTrustedProxy: false) == nil)
    }

    @Test func linksPreferPublicBaseURLThenTheRequestThenTheFallback() throws {
        let signer = try URLSigner(secret: Array(String(repeating: "k", count: 32).utf8))
        let configured = MediaLinks(signer: signer, baseURL: "https://evidence.example/", fallbackBaseURL: "http://localhost:8080", ttlSeconds: 60)
        let unset = MediaLinks(signer: signer, baseURL: nil, fallbackBaseURL: "http://localhost:8080", ttlSeconds: 60)
        #expect(configured.url(forKey: "a/b.jpg").hasPrefix("https://evidence.example/media/a/b.jpg?"))
        #expect(unset.url(forKey: "a/b.jpg").hasPrefix("http://localhost:8080/media/a/b.jpg?"))
        MediaLinks.$requestBaseURL.withValue("http://10.1.2.3:8080") {
            #expect(unset.url(forKey: "a/b.jpg").hasPrefix("http://10.1.2.3:8080/media/"))
            #expect(configured.url(forKey: "a/b.jpg").hasPrefix("https://evidence.example/media/"))
        }
        MediaLinks.$requestBaseURL.withValue("") { #expect(unset.url(forKey: "a/b.jpg").hasPrefix("/media/")) }
        #expect(MediaLinks.localBaseURL(host: "0.0.0.0", port: 8080) == "http://localhost:8080")
        #expect(MediaLinks.localBaseURL(host: "::1", port: 8080) == "http://[::1]:8080")
    }
}
