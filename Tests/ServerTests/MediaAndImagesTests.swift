import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Storage
import Testing
import TestSupport

/// Direct uploads, signed media URLs and the images API.
@Suite struct MediaAndImagesTests {
    @Test func directUploadThroughASignedURL() async throws {
        try await IngestHarness.run { client, env in
            let jpeg = try TestImages.jpeg()
            var uploadURL = ""
            let request = #"{"filename":"scan.jpg","contentType":"image/jpeg","reportId":"r-9"}"#
            try await client.execute(uri: "/upload-init", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: request)) { response in
                #expect(response.status == .created)
                uploadURL = response.json["uploadUrl"] as? String ?? ""
                #expect(uploadURL.hasPrefix(testOrigin + "/uploads/") && uploadURL.contains("signature="))
            }
            // A tampered signature and a wrong method's signature are refused.
            let tampered = uploadURL.replacingOccurrences(of: "signature=", with: "signature=x")
            try await client.execute(uri: tampered, method: .put, body: ByteBuffer(data: jpeg)) { response in
                #expect(response.status == .forbidden)
            }
            // A type the URL was not announced for is refused, naming the expected one.
            try await client.execute(uri: uploadURL, method: .put, headers: [.contentType: "image/png"],
                                     body: ByteBuffer(data: jpeg)) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(response.errorCode == "type_mismatch")
                #expect(String(buffer: response.body).contains("image/jpeg"))
            }
            #expect(env.storedFiles().isEmpty)
            // The file's own type is what browsers, fetch and S3 clients send.
            var id = ""
            try await client.execute(uri: uploadURL, method: .put, headers: [.contentType: "image/jpeg"],
                                     body: ByteBuffer(data: jpeg)) { response in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                #expect(response.json["status"] as? String == "processing")
                id = response.json["id"] as? String ?? ""
            }
            // Answers leave slashes as they are.
            try await client.execute(uri: "/images/\(id)", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("/media/") && !text.contains("\\/"))
            }
            // One use only.
            try await client.execute(uri: uploadURL, method: .put, headers: [.contentType: "application/octet-stream"],
                                     body: ByteBuffer(data: try TestImages.jpeg(seed: 9))) { response in
                #expect(response.status == .conflict)
            }
            #expect(env.storedFiles().count == 1)
            #expect(try await env.scalar("SELECT count(*) FROM images WHERE report_id = 'r-9'") == 1)
        }
    }

    @Test func expiredOrForeignUploadURLsLeaveNothing() async throws {
        try await IngestHarness.run { client, env in
            let id = UUID().uuidString.lowercased()
            let expired = try env.signer.signedPath(method: "PUT", path: "/uploads/\(id)", expires: Date().addingTimeInterval(-10))
            try await client.execute(uri: expired, method: .put, body: ByteBuffer(data: try TestImages.jpeg())) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == "url_expired")
            }
            // Validly signed, but never announced through /upload-init.
            let unknown = try env.signer.signedPath(method: "PUT", path: "/uploads/\(id)", expires: Date().addingTimeInterval(60))
            try await client.execute(uri: unknown, method: .put, body: ByteBuffer(data: try TestImages.jpeg())) { response in
                #expect(response.status == .forbidden)
            }
            #expect(env.storedFiles().isEmpty)
            #expect(try await env.imageRows() == 0)
        }
    }

    @Test func uploadInitChecksTheAnnouncedFile() async throws {
        try await IngestHarness.run { client, _ in
            for (body, status) in [
                (#"{"filename":"a.exe","contentType":"application/x-msdownload"}"#, 415),
                (#"{"filename":"a.php","contentType":"image/jpeg"}"#, 415),
                // Name and type name two accepted formats: the bytes will decide on PUT.
                (#"{"filename":"a.png","contentType":"image/jpeg"}"#, 201),
                (#"{"filename":"a.jpg","contentType":"image/jpeg","size":999999999}"#, 413),
                (#"{"filename":"a.jpg"}"#, 400),
            ] {
                try await client.execute(uri: "/upload-init", method: .post, headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: body)) { response in
                    #expect(response.status.code == status, "\(body)")
                }
            }
        }
    }

    @Test func originalsNeedAValidSignatureAndSupportRanges() async throws {
        try await IngestHarness.run { client, env in
            let jpeg = try TestImages.jpeg()
            var id = ""
            try await client.upload(Multipart(files: [.init(filename: "p.jpg", contentType: "image/jpeg", data: jpeg)])) {
                id = $0.files.first?["id"] as? String ?? ""
            }
            var originalURL = ""
            try await client.execute(uri: "/images/\(id)", method: .get) { response in
                #expect(response.status == .ok)
                originalURL = response.json["originalUrl"] as? String ?? ""
                let events = response.json["events"] as? [[String: Any]] ?? []
                #expect(events.map { $0["type"] as? String } .contains("image.uploaded"))
            }
            #expect(originalURL.hasPrefix(testOrigin + "/media/originals/"))
            var etag = ""
            try await client.execute(uri: originalURL, method: .get) { response in
                #expect(response.status == .ok)
                #expect(Data(response.body.readableBytesView) == jpeg)
                #expect(response.headers[.contentType] == "image/jpeg")
                // Private, and cached no longer than the link lives (300 s, expiry rounded up to a minute).
                let maxAge = (response.headers[.cacheControl] ?? "").wholeMatch(of: /private, max-age=(\d+)/).flatMap { Int($0.1) }
                #expect((1...360).contains(maxAge ?? 0), "\(response.headers[.cacheControl] ?? "none")")
                let name = String(originalURL.prefix { $0 != "?" }.split(separator: "/").last ?? "")
                #expect(name.hasPrefix(id.lowercased() + "-"))
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"\(name)\"")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                etag = response.headers[.eTag] ?? ""
            }
            // Signed URLs: the same URL works until it expires (like any presigned link); any
            // change to the key, the expiry or the signature is refused, and another image's
            // key under this signature does not open.
            let query = String(originalURL.drop { $0 != "?" })
            let path = String(originalURL.prefix { $0 != "?" })
            try await client.execute(uri: originalURL, method: .get) { #expect($0.status == .ok) }
            let expires = query.split(separator: "&").first { $0.hasPrefix("?expires=") || $0.hasPrefix("expires=") }
                .map { String($0.split(separator: "=")[1]) } ?? ""
            for tampered in [
                path.replacingOccurrences(of: ".jpg", with: ".png") + query,
                path + query.replacingOccurrences(of: "expires=\(expires)", with: "expires=\((Int(expires) ?? 0) + 3600)"),
                path + query.replacingOccurrences(of: "signature=", with: "signature=A"),
                path.replacingOccurrences(of: "originals/", with: "thumbnails/") + query,
            ] {
                try await client.execute(uri: tampered, method: .get) { response in
                    #expect([403, 404].contains(response.status.code), "\(tampered): \(response.status)")
                    #expect(response.body.readableBytes < 200, "no image bytes for \(tampered)")
                }
            }
            try await client.execute(uri: originalURL, method: .get, headers: [.range: "bytes=10-19"]) { response in
                #expect(response.status == .partialContent)
                #expect(Data(response.body.readableBytesView) == jpeg[10...19])
                #expect(response.headers[.contentRange] == "bytes 10-19/\(jpeg.count)")
            }
            try await client.execute(uri: originalURL, method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
            }
            let bare = String(originalURL.prefix { $0 != "?" })
            try await client.execute(uri: bare, method: .get) { #expect($0.status == .forbidden) }
            try await client.execute(uri: bare + "?expires=9999999999&signature=AAAA", method: .get) { #expect($0.status == .forbidden) }
            // Traversal never reaches the filesystem.
            for uri in ["/media/originals/%2e%2e/%2e%2e/etc/passwd", "/media/..%2f..%2fetc%2fpasswd", "/media/thumbnails/../../x"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect([400, 403, 404].contains(response.status.code), "\(uri)")
                    #expect(!String(buffer: response.body).contains("root:"))
                }
            }
        }
    }

    @Test func listingFiltersAndPaginates() async throws {
        try await IngestHarness.run { client, _ in
            var ids: [String] = []
            for seed in 1...3 {
                try await client.upload(Multipart(files: [.init(filename: "\(seed).jpg", contentType: "image/jpeg",
                                                                data: try TestImages.jpeg(seed: UInt64(seed)))])) {
                    ids.append($0.files.first?["id"] as? String ?? "")
                }
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let uri = "/images?limit=2&status=queued" + (cursor.map { "&cursor=\($0)" } ?? "")
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok)
                    seen += (response.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                    cursor = response.json["nextCursor"] as? String
                }
            } while cursor != nil && seen.count < 10
            #expect(seen == ids.reversed())
            try await client.execute(uri: "/images?status=done", method: .get) { response in
                #expect((response.json["items"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "/images?cursor=bogus", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/images?limit=0", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/images/not-a-uuid", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/images/\(UUID().uuidString)", method: .get) { #expect($0.status == .notFound) }
            // Reprocessing an image whose job is still queued returns that job.
            try await client.execute(uri: "/images/\(ids[0])/process", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"pipeline":"process"}"#)) { response in
                #expect(response.status == .accepted)
                #expect(response.json["duplicate"] as? Bool == true)
            }
        }
    }

    @Test func uploadsGoToS3WhenConfigured() async throws {
        guard let endpoint = ProcessInfo.processInfo.environment["FACEPIPE_TEST_S3_ENDPOINT"].flatMap(URL.init(string:)) else {
            throw TestSetupError("FACEPIPE_TEST_S3_ENDPOINT is not set: run the tests with `make test`")
        }
        let bucket = "facepipe-ingest-\(UInt32.random(in: 0...UInt32.max))"
        let s3 = try S3MediaStore(config: S3Config(endpoint: endpoint, bucket: bucket, region: "us-east-1",
                                                   accessKeyID: "test", secretAccessKey: "testsecret"))
        try await s3.createBucketIfMissing()
        try await IngestHarness.run(store: { _ in s3 }) { client, env in
            let jpeg = try TestImages.jpeg()
            var id = ""
            try await client.upload(Multipart(files: [.init(filename: "p.jpg", contentType: "image/jpeg", data: jpeg)])) {
                #expect($0.status == .ok)
                id = $0.files.first?["id"] as? String ?? ""
            }
            var key = ""
            for try await value in try await env.client.query("SELECT original_key FROM images WHERE id = \(UUID(uuidString: id)!)").decode(String.self) {
                key = value
            }
            let stored = try await s3.get(try MediaKey(key))
            #expect(stored.map { Data($0.readableBytesView) } == jpeg)
            // Rejected uploads leave nothing in the bucket either.
            try await client.upload(Multipart(files: [.init(filename: "x.jpg", contentType: "image/jpeg", data: Data("nope".utf8))])) {
                #expect($0.status.code == 415)
            }
            #expect(try await env.imageRows() == 1)
        }
    }
}

@Suite struct DuplicatesAPITests {
    @Test func pairsCanBeListedAndReviewed() async throws {
        try await IngestHarness.run { client, env in
            var ids: [String] = []
            for seed in [1, 2] {
                try await client.upload(Multipart(files: [.init(filename: "\(seed).jpg", contentType: "image/jpeg",
                                                                data: try TestImages.jpeg(seed: UInt64(seed)))])) {
                    ids.append($0.files.first?["id"] as? String ?? "")
                }
            }
            let (a, b) = (UUID(uuidString: ids[0])!, UUID(uuidString: ids[1])!)
            try await env.client.query("""
                INSERT INTO image_duplicates (image1_id, image2_id, ahash_distance, dhash_distance, phash_distance, pdq_distance,
                                              similarity, confidence)
                VALUES (LEAST(\(a), \(b)), GREATEST(\(a), \(b)), 9, 7, 4, 12, 0.9375, 0.8)
                """)
            var pairID: Int64 = 0
            try await client.execute(uri: "/images/\(ids[0])/duplicates", method: .get) { response in
                #expect(response.status == .ok)
                let items = response.json["items"] as? [[String: Any]] ?? []
                #expect(items.count == 1)
                #expect(items.first?["hashType"] as? String == "pdq" && items.first?["distance"] as? Int == 12)
                // One pair per image pair, with every hash's distance and the rule's confidence.
                let distances = items.first?["distances"] as? [String: Int]
                #expect(distances == ["ahash": 9, "dhash": 7, "phash": 4, "pdq": 12])
                #expect(items.first?["similarity"] as? Double == 0.9375 && items.first?["confidence"] as? Double == 0.8)
                pairID = (items.first?["id"] as? NSNumber)?.int64Value ?? 0
            }
            try await client.execute(uri: "/duplicates?status=pending", method: .get) { response in
                #expect((response.json["items"] as? [Any])?.count == 1)
            }
            let review = ByteBuffer(string: #"{"status":"confirmed","reviewedBy":"analyst-1"}"#)
            try await client.execute(uri: "/duplicates/\(pairID)/review", method: .post,
                                     headers: [.contentType: "application/json"], body: review) { response in
                #expect(response.status == .ok)
                #expect(response.json["status"] as? String == "confirmed")
                #expect(response.json["reviewedBy"] as? String == "analyst-1")
            }
            try await client.execute(uri: "/duplicates?status=pending", method: .get) { response in
                #expect((response.json["items"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "/duplicates/\(pairID)/review", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"status":"maybe"}"#)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/duplicates/999999/review", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"status":"different"}"#)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/images/\(UUID().uuidString)/duplicates", method: .get) { #expect($0.status == .notFound) }
        }
    }
}
