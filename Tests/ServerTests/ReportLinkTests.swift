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

/// Evidence that connects reports, on real photos: the same file re-used, an edited copy, the
/// same person in another photo.
@Suite struct ReportLinkTests {
    /// Records every connection announced (what the `report.linked` webhook is queued from).
    final class Announcements: ProcessingObserver, Sendable {
        let links = Locked<[NewReportLink]>([])
        func processed(_ image: ImageRecord, _ result: ProcessingResult, duplicates: [DuplicateMatch], job: ClaimedJob,
                       on connection: PostgresConnection) async throws {}
        func failed(_ image: ImageRecord, error: String, job: ClaimedJob, on connection: PostgresConnection) async throws {}
        func linked(_ link: NewReportLink, correlationID: String?, on connection: PostgresConnection) async throws {
            links.withLock { $0.append(link) }
        }
    }

    @Test func reportsAreConnectedBySameImageEditedCopyAndSameFace() async throws {
        let (detection, embedder) = try FaceSearchTests.models()
        try await IngestHarness.run { client, env in
            let obama = try FaceSearchTests.photo("obama.jpg")
            let edited = try DecodedImage(obama, maxDimension: 4096).encoded(as: .jpeg(quality: 70)).data
            var ids: [String: String] = [:]
            for (name, bytes, report) in [("obama.jpg", obama, "r1"), ("obama.jpg", obama, "r2"), ("edited.jpg", edited, "r3"),
                                          ("obama2.jpg", try FaceSearchTests.photo("obama2.jpg"), "r4"),
                                          ("biden.jpg", try FaceSearchTests.photo("biden.jpg"), "r5")] {
                var form = Multipart(files: [.init(filename: name, contentType: "image/jpeg", data: bytes)])
                form.fields = [("reportId", report)]
                try await client.upload(form) { response in
                    #expect(response.status == .ok)
                    ids[report] = response.files.first?["id"] as? String
                    #expect(response.files.first?["duplicate"] as? Bool == (report == "r2"))
                }
            }
            // The re-upload is the same image, now in both reports, and says so on its timeline.
            #expect(ids["r1"] == ids["r2"])
            try await client.execute(uri: "/images/\(ids["r1"]!)", method: .get) { response in
                #expect(response.json["reports"] as? [String] == ["r1", "r2"])
                let events = (response.json["events"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
                #expect(events.contains("image.added_to_report") && events.contains("report.linked"))
            }
            let announcements = Announcements()
            let runJobs = env.faceWorker(detection, embedder, observer: announcements)
            try await runJobs()

            var links: [String: [String: Any]] = [:]
            try await client.execute(uri: "/reports/r1/links", method: .get) { response in
                #expect(response.status == .ok)
                for item in response.json["items"] as? [[String: Any]] ?? [] { links[item["reportId"] as? String ?? ""] = item }
            }
            #expect(Set(links.keys) == ["r2", "r3", "r4"], "\(links.keys)")
            #expect(links["r2"]?["kind"] as? String == "same_image")
            #expect(links["r3"]?["kind"] as? String == "near_duplicate")
            #expect(((links["r3"]?["nearDuplicates"] as? [[String: Any]])?.first?["otherImageId"] as? String) == ids["r3"])
            #expect(links["r4"]?["kind"] as? String == "same_face")
            let face = (links["r4"]?["sharedFaces"] as? [[String: Any]])?.first
            #expect((face?["similarity"] as? Double ?? 0) >= 0.9)
            #expect(face?["otherImageId"] as? String == ids["r4"])

            // One announcement per new connection: r1–r2 at upload, the rest from processing and embedding.
            let events = try await env.scalar("SELECT count(*) FROM events WHERE type = 'report.linked'")
            let pairs = try await env.scalar("SELECT count(*) FROM report_links")
            #expect(events == pairs)
            #expect(announcements.links.withLock { $0.count } == pairs - 1)  // the upload's r1–r2 came through ingest
            #expect(try await env.scalar("SELECT count(*) FROM report_links WHERE 'r5' IN (report1, report2)") == 0)
            // Processing again finds the same evidence: nothing new is announced.
            try await client.execute(uri: "/images/\(ids["r3"]!)/process", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"pipeline":"process"}"#)) { #expect($0.status == .accepted) }
            try await runJobs()
            #expect(try await env.scalar("SELECT count(*) FROM events WHERE type = 'report.linked'") == events)

            // A pair judged different no longer connects its reports.
            let pairIDs = try await env.scalar("SELECT count(*) FROM image_duplicates")
            #expect(pairIDs >= 1)
            try await env.client.query("UPDATE image_duplicates SET status = 'different'")
            try await client.execute(uri: "/reports/r1/links", method: .get) { response in
                // r3's copy still shows the same face, so r3 stays connected, by that alone.
                let r3 = (response.json["items"] as? [[String: Any]])?.first { $0["reportId"] as? String == "r3" }
                #expect(r3?["kind"] as? String == "same_face")
                #expect((r3?["nearDuplicates"] as? [Any])?.isEmpty == true)
            }

            // Callers below admin read the links of approved reports only (a report's links are a
            // search: "where else is this face?"), and see connections to approved reports only.
            try await client.execute(uri: "/reports/r4", method: .put, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"status":"approved"}"#)) { #expect($0.status == .ok) }
            let standard = client.with(key: try await env.key(.standard))
            try await standard.execute(uri: "/reports/r1/links", method: .get) { #expect($0.status == .notFound) }
            @Sendable func linkedToR4() async throws -> [String] {
                var reports: [String] = []
                try await standard.execute(uri: "/reports/r4/links", method: .get) { response in
                    reports = (response.json["items"] as? [[String: Any]] ?? []).compactMap { $0["reportId"] as? String }
                }
                return reports
            }
            #expect(try await linkedToR4() == [], "r1, r2 and r3 are pending")
            // Face search sees an image through any approved report: obama.jpg is in r1 and r2, both
            // pending, so it is not found; once r2 is approved it is, as r2's.
            let query = try await Self.embedding(of: ids["r4"]!, env.client)
            let faces = FaceRepository(client: env.client, logger: TestDatabase.logger)
            let index = FaceIndex(logger: TestDatabase.logger)
            #expect(try await !faces.search(query, index: index, minSimilarity: 0.9, limit: 10).contains { $0.imageID.uuidString.lowercased() == ids["r1"] })
            try await client.execute(uri: "/reports/r2", method: .put, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"status":"approved"}"#)) { #expect($0.status == .ok) }
            let found = try await faces.search(query, index: index, minSimilarity: 0.9, limit: 10).first { $0.imageID.uuidString.lowercased() == ids["r1"] }
            #expect(found?.reportID == "r2")
            #expect(try await linkedToR4() == ["r2"])
            // A report lists its images; erasing r2 only unlinks the image r1 holds too.
            try await client.execute(uri: "/reports/r2", method: .get) { #expect($0.json["imageIds"] as? [String] == [ids["r1"]!]) }
            try await client.execute(uri: "/reports/r2", method: .delete) { response in
                #expect(response.status == .accepted)
                #expect((response.json["images"] as? [[String: Any]])?.isEmpty == true)
            }
            try await client.execute(uri: "/images/\(ids["r1"]!)", method: .get) { #expect($0.json["reports"] as? [String] == ["r1"]) }
        }
    }

    /// The stored embedding of an image's (only) face.
    static func embedding(of image: String, _ client: DatabaseClient) async throws -> [Float] {
        let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT embedding::text FROM face_detections WHERE image_id = '\(image)'"))
        for try await text in rows.decode(String.self) {
            return text.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").compactMap { Float($0) }
        }
        throw TestSetupError("no embedding for \(image)")
    }
}
