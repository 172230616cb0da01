import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Pipeline
import Queue
import Testing
import TestSupport

/// Issue 24 item 6: seed 002's public mode after the upload. An anonymous visitor's receipt
/// follows their upload, asks for anonymized copies and opens the verified ones — and reaches
/// nothing else.
@Suite struct ReceiptTests {
    static let publicMode = AuthConfig(policy: AccessPolicy(publicUploads: true), uploadsPerMinute: 0, faceSearchesPerMinute: 0)

    @Test func anAnonymousUploaderFollowsTheirUploadToTheAnonymizedCopy() async throws {
        let (detection, _) = try FaceSearchTests.models()
        try await IngestHarness.run(auth: Self.publicMode) { client, env in
            var form = Multipart(files: [.init(filename: "obama.jpg", contentType: "image/jpeg", data: try FaceSearchTests.photo("obama.jpg"))])
            form.fields = [("public", "true")]
            var id = "", receipt = ""
            try await client.anonymous.upload(form) { response in
                #expect(response.status == .ok)
                id = response.files.first?["id"] as? String ?? ""
                receipt = response.files.first?["receipt"] as? String ?? ""
            }
            #expect(receipt.count == 43)
            // Callers with a credential follow their uploads through /images: no receipt.
            try await client.upload(Multipart(files: [.init(filename: "a.jpg", contentType: "image/jpeg", data: try TestImages.jpeg())])) {
                #expect($0.files.first?["receipt"] == nil)
            }
            func follow(_ token: String?) async throws -> (HTTPResponse.Status, [String: Any]) {
                var result: (HTTPResponse.Status, [String: Any]) = (.ok, [:])
                var headers: HTTPFields = [:]
                if let token { headers[HTTPField.Name("X-Upload-Receipt")!] = token }
                try await client.anonymous.execute(uri: "/upload/receipt", method: .get, headers: headers) { result = ($0.status, $0.json) }
                return result
            }
            var (status, json) = try await follow(receipt)
            #expect(status == .ok && json["imageId"] as? String == id)
            #expect(json["status"] as? String == "queued" && json["anonymization"] as? String == "none", "\(json)")
            // No receipt, a made-up one, another shape, and the image id itself are all refused alike.
            for wrong in [nil, String(repeating: "A", count: 43), "x", id, String(receipt.dropLast()) + (receipt.hasSuffix("A") ? "B" : "A")] {
                let (status, json) = try await follow(wrong)
                #expect(status == .forbidden && (json["error"] as? [String: Any])?["code"] as? String == "invalid_receipt", "\(wrong ?? "none")")
            }

            // The worker processes it and makes the public copy (public implies blurred faces).
            let runJobs = try env.productionWorker(detection)
            try await runJobs()
            (status, json) = try await follow(receipt)
            #expect(json["status"] as? String == "done" && json["anonymization"] as? String == "done", "\(json)")
            let copies = json["processed"] as? [[String: Any]] ?? []
            let url = try #require(copies.first?["url"] as? String, "\(json)")
            #expect(try await PrivacyAttackTests.faces(in: url, client.anonymous, detection.detector) == 0)
            // …and it is what the public gallery shows.
            try await client.anonymous.execute(uri: "/gallery", method: .get) { response in
                let item = (response.json["items"] as? [[String: Any]])?.first { $0["id"] as? String == id }
                // The same file; the signature and its expiry may differ (signed in another minute).
                func file(_ url: String) -> Substring { localPath(url).prefix { $0 != "?" } }
                #expect((item?["processed"] as? [[String: Any]])?.compactMap { $0["url"] as? String }.map(file) == [file(url)])
            }

            // Seed 002's options for another copy; nothing that would show the faces.
            func ask(_ body: String, _ token: String = receipt) async throws -> (HTTPResponse.Status, [String: Any]) {
                var result: (HTTPResponse.Status, [String: Any]) = (.ok, [:])
                try await client.anonymous.execute(uri: "/upload/receipt/process", method: .post,
                                                   headers: [.contentType: "application/json", HTTPField.Name("X-Upload-Receipt")!: token],
                                                   body: ByteBuffer(string: body)) { result = ($0.status, $0.json) }
                return result
            }
            (status, json) = try await ask(#"{"replacewith":"mosaic"}"#)
            #expect(status == .accepted && json["imageId"] as? String == id && json["jobId"] != nil, "\(json)")
            for (body, code) in [(#"{"replacewith":"none"}"#, "invalid_options"), (#"{"pipeline":"process"}"#, "invalid_pipeline"),
                                 (#"{"replacewith":"paint"}"#, nil),
                                 // How much is covered is the server's: these could make a copy that shows faces pass verification.
                                 (#"{"replacewith":"blur","threshold":1}"#, "invalid_options"), (#"{"maskScale":0.6}"#, "invalid_options"),
                                 (#"{"replacewith":"mosaic","mosaicSize":1}"#, "invalid_options"), (#"{"scale":"4096x4096"}"#, "invalid_options")] {
                (status, json) = try await ask(body)
                #expect(status == .badRequest, "\(body): \(json)")
                if let code { #expect((json["error"] as? [String: Any])?["code"] as? String == code, "\(body): \(json)") }
            }
            (status, _) = try await ask(#"{"replacewith":"blur"}"#, String(repeating: "B", count: 43))
            #expect(status == .forbidden)
            // A few copies at most, whoever asks.
            for body in [#"{"replacewith":"blur"}"#, #"{"replacewith":"blur","boxes":false}"#, #"{"replacewith":"solid","boxes":false}"#] {
                (status, json) = try await ask(body)
                #expect(status == .accepted, "\(body): \(json)")
            }
            #expect(try await env.scalar("SELECT count(*) FROM processed_variants WHERE image_id = '\(id)'") == 5)
            (status, json) = try await ask(#"{"replacewith":"mosaic","boxes":false}"#)
            #expect(status == .tooManyRequests && (json["error"] as? [String: Any])?["code"] as? String == "too_many_copies")

            // Someone holding a copy of a private image's bytes gets no receipt for it, and
            // cannot make it public.
            var privateID = ""
            try await client.upload(Multipart(files: [.init(filename: "b.jpg", contentType: "image/jpeg", data: try FaceSearchTests.photo("biden.jpg"))])) {
                privateID = $0.files.first?["id"] as? String ?? ""
            }
            var copy = Multipart(files: [.init(filename: "b.jpg", contentType: "image/jpeg", data: try FaceSearchTests.photo("biden.jpg"))])
            copy.fields = [("public", "true")]
            try await client.anonymous.upload(copy) { response in
                #expect(response.files.first?["id"] as? String == privateID && response.files.first?["receipt"] == nil, "\(response.files)")
            }
            #expect(try await env.scalar("SELECT count(*) FROM images WHERE id = '\(privateID)' AND is_public") == 0)
            // The public image's bytes again: that receipt follows the same image.
            var again = Multipart(files: [.init(filename: "o.jpg", contentType: "image/jpeg", data: try FaceSearchTests.photo("obama.jpg"))])
            again.fields = [("public", "true")]
            var second = ""
            try await client.anonymous.upload(again) { second = $0.files.first?["receipt"] as? String ?? "" }
            #expect(second.count == 43 && second != receipt)
            #expect(try await follow(second).1["imageId"] as? String == id)

            // Only the token's hash is kept, and erasing the image ends the receipt.
            #expect(try await env.scalar("SELECT count(*) FROM upload_receipts WHERE token_sha256 = '\(receipt)'") == 0)
            // …its SHA-256, hex (what the test below writes for a receipt of its own).
            #expect(try await env.scalar(
                "SELECT count(*) FROM upload_receipts WHERE token_sha256 = encode(sha256(convert_to('\(receipt)', 'UTF8')), 'hex')") == 1)
            try await client.execute(uri: "/images/\(id)", method: .delete) { #expect($0.status == .accepted) }
            try await runJobs()
            #expect(try await follow(receipt).0 == .forbidden)
            #expect(try await env.scalar("SELECT count(*) FROM upload_receipts") == 0)
        }
    }

    /// Without PUBLIC_UPLOADS there are no anonymous uploads, and receipts handed out while it
    /// was on stop working.
    @Test func withoutPublicUploadsTheUploadAsksForALoginAndReceiptsEnd() async throws {
        try await IngestHarness.run { client, env in
            try await client.anonymous.upload(Multipart(files: [.init(filename: "a.jpg", contentType: "image/jpeg", data: try TestImages.jpeg())])) {
                #expect($0.status == .unauthorized)
            }
            var id = ""
            try await client.upload(Multipart(files: [.init(filename: "a.jpg", contentType: "image/jpeg", data: try TestImages.jpeg())])) {
                id = $0.files.first?["id"] as? String ?? ""
            }
            // A receipt issued while public mode was on (its token is 43 A's).
            let token = String(repeating: "A", count: 43)
            try await env.client.query("""
                INSERT INTO upload_receipts (token_sha256, image_id, expires_at)
                VALUES (encode(sha256(convert_to(\(token), 'UTF8')), 'hex'), \(UUID(uuidString: id)!), now() + interval '1 day')
                """)
            try await client.anonymous.execute(uri: "/upload/receipt", method: .get, headers: [HTTPField.Name("X-Upload-Receipt")!: token]) {
                #expect($0.status == .forbidden)
            }
        }
    }
}
