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
import Queue
import Services
import Testing
import TestSupport

/// Erasure leaves nothing behind: files, rows, vectors, pairs, jobs, index entries; the same
/// bytes are refused afterwards; erasing twice is harmless.
@Suite struct ErasureTests {
    @Test func erasingAnImageWithFacesLeavesNothing() async throws {
        let (detection, embedder) = try FaceSearchTests.models()
        try await IngestHarness.run { client, env in
            let photo = try FaceSearchTests.photo("obama.jpg")
            // A smaller copy: a near-duplicate pair with the erased image.
            let copy = try DecodedImage(photo, maxDimension: 400).encoded(as: .jpeg(quality: 80)).data
            var ids: [String] = []
            for (bytes, name) in [(photo, "obama.jpg"), (copy, "copy.jpg")] {
                var form = Multipart(files: [.init(filename: name, contentType: "image/jpeg", data: bytes)])
                form.fields = [("reportId", name == "copy.jpg" ? "r-keep" : "r-erase")]
                try await client.upload(form) { ids.append($0.files.first?["id"] as? String ?? "") }
            }
            let index = DuplicateIndex()
            let queue = JobQueue(client: env.client, logger: TestDatabase.logger)
            var handlers = JobHandlerRegistry()
            handlers.register(.processImage, ProcessImageHandler(client: env.client, store: env.store, index: index, config: ProcessingConfig(),
                                                                 logger: TestDatabase.logger, faces: detection, embedFaces: true))
            handlers.register(.embedFaces, EmbedFacesHandler(client: env.client, store: env.store, embedder: embedder, faceIndex: FaceIndex(logger: TestDatabase.logger), logger: TestDatabase.logger))
            handlers.register(.eraseImage, EraseImageHandler(client: env.client, store: env.store, logger: TestDatabase.logger))
            let registry = handlers
            @Sendable func runJobs() async throws { try await registry.runAll(on: queue) }
            try await runJobs()
            let id = ids[0]
            func count(_ sql: String) async throws -> Int { try await env.scalar(sql.replacingOccurrences(of: "$ID", with: id)) }
            // What there is to erase: original, 6 thumbnails (3 sizes, and each blurred), the whole
            // picture and its blurred twin, a face crop, a vector, a pair.
            #expect(try await count("SELECT count(*) FROM image_files WHERE image_id = '$ID'") == 10)
            #expect(try await count("SELECT count(*) FROM face_detections WHERE image_id = '$ID' AND embedding IS NOT NULL") == 1)
            #expect(try await count("SELECT count(*) FROM image_duplicates WHERE '$ID' IN (image1_id, image2_id)") >= 1)
            #expect(env.storedFiles().filter { (path: String) -> Bool in path.contains(id) }.count == 10)
            let hashes = try ImageAnalysis.hashes(of: photo)
            #expect(await index.matches(for: hashes, excluding: UUID()).contains { $0.otherImageID.uuidString.lowercased() == id })

            // A standard caller may not erase; an admin may.
            try await client.with(key: try await env.key(.standard)).execute(uri: "/images/\(id)", method: .delete) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/images/\(id)", method: .delete) { response in
                #expect(response.status == .accepted)
                #expect(response.json["completed"] as? Bool == false)
                #expect(response.json["jobId"] != nil)
            }
            // Gone from every answer and every table at once; the files go with the job.
            try await client.execute(uri: "/images/\(id)", method: .get) { #expect($0.status == .notFound) }
            for table in ["images WHERE id", "face_detections WHERE image_id", "events WHERE image_id", "jobs WHERE image_id",
                          "upload_intents WHERE image_id"] {
                #expect(try await count("SELECT count(*) FROM \(table) = '$ID'") == 0, "\(table)")
            }
            #expect(try await count("SELECT count(*) FROM image_duplicates WHERE '$ID' IN (image1_id, image2_id)") == 0)
            try await runJobs()
            #expect(env.storedFiles().filter { (path: String) -> Bool in path.contains(id) }.isEmpty, "\(env.storedFiles())")
            #expect(try await count("SELECT count(*) FROM image_files WHERE image_id = '$ID'") == 0)
            #expect(try await count("SELECT count(*) FROM erasures WHERE image_id = '$ID' AND completed_at IS NOT NULL") == 1)
            #expect(try await count("SELECT count(*) FROM audit_log WHERE action = 'image_erased' AND target = 'image:$ID'") == 1)
            // The other image and its files are untouched.
            #expect(env.storedFiles().filter { (path: String) -> Bool in path.contains(ids[1]) }.count >= 5)
            // Every worker's in-memory index forgets it on its next refresh.
            try await index.refresh(from: ProcessingRepository(client: env.client, logger: TestDatabase.logger),
                                    erasures: ErasureRepository(client: env.client, logger: TestDatabase.logger))
            #expect(await !index.matches(for: hashes, excluding: UUID()).contains { $0.otherImageID.uuidString.lowercased() == id })
            // The same bytes are refused; nothing is stored.
            let before = env.storedFiles().count
            try await client.upload(Multipart(files: [.init(filename: "again.jpg", contentType: "image/jpeg", data: photo)])) { response in
                #expect(response.status.code == 410)
                #expect(response.errorCode == "erased")
            }
            #expect(env.storedFiles().count == before)
            // Erasing again is harmless and says it is done.
            try await client.execute(uri: "/images/\(id)", method: .delete) { response in
                #expect(response.status == .accepted)
                #expect(response.json["completed"] as? Bool == true)
            }
            // A report's erasure takes its images and its own row.
            try await client.execute(uri: "/reports/r-keep", method: .delete) { response in
                #expect(response.status == .accepted)
                #expect((response.json["images"] as? [[String: Any]])?.count == 1)
            }
            try await runJobs()
            try await client.execute(uri: "/reports/r-keep", method: .get) { #expect($0.status == .notFound) }
            #expect(env.storedFiles().filter { (path: String) -> Bool in !path.contains("/spool/") }.isEmpty, "\(env.storedFiles())")
            #expect(try await env.scalar("SELECT count(*) FROM image_files") == 0)
        }
    }
}
