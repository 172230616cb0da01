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

/// Evidence documents on real files: a PDF with text and an embedded face photo, a multi-page
/// TIFF, and hostile PDFs.
@Suite struct DocumentTests {
    static func upload(_ client: AuthorizedClient, _ name: String, _ data: Data, report: String? = nil, type: String = "application/pdf",
                       _ check: @escaping (TestResponse) async throws -> Void) async throws {
        var form = Multipart(files: [.init(filename: name, contentType: type, data: data)])
        if let report { form.fields = [("reportId", report)] }
        try await client.execute(uri: "/upload/documents", method: .post, headers: [.contentType: form.contentType], body: form.body, testCallback: check)
    }

    static func runner(_ env: IngestHarness, _ detection: ImageAnalysis.FaceDetector) throws -> @Sendable () async throws -> Void {
        try env.productionWorker(detection)
    }

    static func statement(_ detection: ImageAnalysis.FaceDetector) throws -> Data {
        let photo = try DecodedImage(try FaceSearchTests.photo("obama.jpg"), maxDimension: 600)
        let jpeg = try photo.encoded(as: .jpeg(quality: 90)).data
        return TestDocuments.pdf([
            .init(text: "Bank statement - page 1 - account 12345678"),
            .init(text: "ID scan - page 2", jpeg: (jpeg, photo.width, photo.height)),
            .init(text: "Chat export - page 3"),
        ])
    }

    @Test func aPDFBecomesSearchablePagesLinkedToItsReportsAndAnonymizedPageByPage() async throws {
        let (detection, _) = try FaceSearchTests.models()
        let pdf = try Self.statement(detection)
        try await IngestHarness.run { client, env in
            let runJobs = try Self.runner(env, detection)
            var id = ""
            try await Self.upload(client, "statement.pdf", pdf, report: "d1") {
                #expect($0.status == .ok, "\(String(buffer: $0.body))")
                let file = $0.json["files"].flatMap { ($0 as? [[String: Any]])?.first } ?? [:]
                #expect(file["pages"] as? Int == 3 && file["mime"] as? String == "application/pdf" && file["duplicate"] as? Bool == false)
                id = file["id"] as? String ?? ""
            }
            try await runJobs()

            var pages: [[String: Any]] = []
            try await client.execute(uri: "/documents/\(id)", method: .get) {
                #expect($0.status == .ok)
                #expect($0.json["status"] as? String == "done" && $0.json["pageCount"] as? Int == 3)
                #expect($0.json["reports"] as? [String] == ["d1"])
                #expect(($0.json["originalUrl"] as? String)?.hasPrefix(testOrigin + "/media/originals/") == true)
                pages = $0.json["pages"] as? [[String: Any]] ?? []
            }
            try #require(pages.map { $0["page"] as? Int } == [1, 2, 3])
            let images = pages.map { $0["image"] as? [String: Any] ?? [:] }
            #expect(images.allSatisfy { $0["status"] as? String == "done" && ($0["thumbnails"] as? [String: Any])?["medium"] != nil })
            // The ID scan's face is found on page 2 only.
            #expect(images.map { $0["faceCount"] as? Int } == [0, 1, 0])
            #expect((pages[1]["faces"] as? [Any])?.count == 1)
            #expect((images[1]["document"] as? [String: Any])?["page"] as? Int == 2)
            #expect(images.allSatisfy { $0["reports"] as? [String] == ["d1"] })
            // Pages are images: in GET /images with their document, with four hashes each.
            try await client.execute(uri: "/images?reportId=d1", method: .get) {
                let items = $0.json["items"] as? [[String: Any]] ?? []
                #expect(items.count == 3 && items.allSatisfy { ($0["document"] as? [String: Any])?["id"] as? String == id })
            }
            #expect(try await env.scalar("SELECT count(*) FROM images WHERE pdq IS NOT NULL AND phash IS NOT NULL") == 3)

            // Nothing of the PDF's metadata reaches a derived file (page renderings, thumbnails).
            let derived = try await env.client.query("SELECT key FROM image_files WHERE kind IN ('original', 'thumbnail')").collect()
            #expect(derived.count >= 9)
            for row in derived {
                let bytes = try await env.bytes(try row.decode(String.self))
                for secret in ["Secret Title", "Jane Author", "FakeWriter", "FakeProducer"] {
                    #expect(bytes.range(of: Data(secret.utf8)) == nil)
                }
            }

            // The same PDF in another report: the same document, and its pages connect the reports.
            try await Self.upload(client, "statement-copy.pdf", pdf, report: "d2") {
                let file = $0.json["files"].flatMap { ($0 as? [[String: Any]])?.first } ?? [:]
                #expect(file["duplicate"] as? Bool == true && file["id"] as? String == id)
            }
            try await client.execute(uri: "/reports/d1/links", method: .get) {
                let items = $0.json["items"] as? [[String: Any]] ?? []
                #expect(items.first?["reportId"] as? String == "d2" && items.first?["kind"] as? String == "same_image", "\(items)")
            }
            try await client.execute(uri: "/documents/\(id)", method: .get) { #expect($0.json["reports"] as? [String] == ["d1", "d2"]) }

            // Anonymize every page (seed 002's default: solid boxes): one copy per page.
            try await client.execute(uri: "/documents/\(id)/process", method: .post) {
                #expect($0.status == .accepted)
                #expect(($0.json["pages"] as? [Any])?.count == 3)
            }
            try await runJobs()
            try await client.execute(uri: "/documents/\(id)", method: .get) {
                let images = ($0.json["pages"] as? [[String: Any]] ?? []).map { $0["image"] as? [String: Any] ?? [:] }
                let copies = images.map { ($0["processed"] as? [[String: Any]])?.first ?? [:] }
                #expect(copies.allSatisfy { $0["status"] as? String == "done" && ($0["url"] as? String)?.contains(".png?expires=") == true })
                let check = copies[1]["verification"] as? [String: Any] ?? [:]
                #expect(check["facesMasked"] as? Int ?? 0 >= 1 && check["facesLeft"] as? Int == 0, "\(check)")
            }

            // Erasure: the document, its original and every page image go.
            try await client.execute(uri: "/documents/\(id)", method: .delete) {
                #expect($0.status == .accepted)
                #expect(($0.json["pages"] as? [Any])?.count == 3)
            }
            // The row is gone at once; the original waits for its job (queued with the deletion).
            #expect(try await env.scalar("SELECT count(*) FROM jobs WHERE kind = 'erase_document' AND status = 'queued'") == 1)
            try await runJobs()
            #expect(try await env.scalar("SELECT count(*) FROM documents") == 0)
            #expect(try await env.scalar("SELECT count(*) FROM images") == 0)
            #expect(env.storedFiles().filter { (path: String) -> Bool in !path.contains("/spool/") }.isEmpty, "\(env.storedFiles())")
            try await client.execute(uri: "/documents/\(id)", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func aMultiPageTIFFHasOnePagePerDirectory() async throws {
        let (detection, _) = try FaceSearchTests.models()
        let face = try DecodedImage(try FaceSearchTests.photo("obama2.jpg"), maxDimension: 500).rgb(maxDimension: 500)
        let plain = TestImages.noise(width: 320, height: 240, seed: 5)
        let tiff = TestDocuments.tiff([plain, face])
        try await IngestHarness.run { client, env in
            var id = ""
            try await Self.upload(client, "scans.tiff", tiff, type: "image/tiff") {
                #expect($0.status == .ok, "\(String(buffer: $0.body))")
                let file = $0.json["files"].flatMap { ($0 as? [[String: Any]])?.first } ?? [:]
                #expect(file["pages"] as? Int == 2 && file["mime"] as? String == "image/tiff")
                id = file["id"] as? String ?? ""
            }
            try await (try Self.runner(env, detection))()
            try await client.execute(uri: "/documents/\(id)", method: .get) {
                let images = ($0.json["pages"] as? [[String: Any]] ?? []).map { $0["image"] as? [String: Any] ?? [:] }
                #expect(images.map { $0["width"] as? Int } == [320, face.width])
                #expect(images.map { $0["faceCount"] as? Int } == [0, 1])
            }
        }
    }

    @Test func hostileAndBrokenDocumentsAreRefusedAndLeaveNothing() async throws {
        let many = TestDocuments.pdf((1...3000).map { .init(text: "page \($0)") })
        let huge = TestDocuments.pdf([.init(text: "poster", mediaBox: (200_000, 200_000))])
        let encrypted = TestDocuments.pdf([.init(text: "locked")], encrypted: true)
        let valid = TestDocuments.pdf([.init(text: "fine")])
        try await IngestHarness.run { client, env in
            for (name, data, status, code) in [
                ("locked.pdf", encrypted, 422, "encrypted_document"),
                ("long.pdf", many, 422, "too_many_pages"),
                ("poster.pdf", huge, 413, "page_too_large"),
                ("truncated.pdf", valid.prefix(valid.count / 2), 422, "corrupt_document"),
                ("statement.jpg", valid, 415, "extension_mismatch"),
                ("notes.pdf", Data("just some text, not a PDF".utf8), 415, "unsupported_type"),
                ("page.html", Data("<html><script>alert(1)</script></html>".utf8), 415, "unsupported_type"),
                ("empty.pdf", Data(), 400, "empty_file"),
            ] as [(String, Data, Int, String)] {
                try await Self.upload(client, name, data) {
                    #expect($0.status.code == status, "\(name): \(String(buffer: $0.body))")
                    #expect($0.errorCode == code, "\(name)")
                }
            }
            #expect(try await env.scalar("SELECT count(*) FROM documents") == 0)
            #expect(try await env.scalar("SELECT count(*) FROM jobs") == 0)
            #expect(env.storedFiles().isEmpty, "\(env.storedFiles())")

            // A script in a PDF never runs (poppler renders, it does not execute): the pages are kept.
            let scripted = TestDocuments.pdf([.init(text: "scripted page")], javaScript: true)
            try await Self.upload(client, "scripted.pdf", scripted) {
                #expect($0.status == .ok, "\(String(buffer: $0.body))")
            }
            // A standard caller may upload; an anonymous one may not.
            try await Self.upload(client.anonymous, "a.pdf", valid) { #expect($0.status == .unauthorized) }
        }
    }
}
