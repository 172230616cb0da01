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

/// Face identities on real photos: the obama photos are one person, biden and the six people
/// of t1.jpg are others; search by identity; an admin's split and merge; corrections survive
/// processing again; erasure takes a person known only from the erased image with it.
@Suite struct IdentityTests {
    /// `FACE_LINKING=false`: faces are embedded and a search finds them, but no identity,
    /// face pair or report link is inferred from them.
    @Test func withLinkingOffFacesAreSearchableButNotGrouped() async throws {
        let (detection, embedder) = try FaceSearchTests.models()
        try await IngestHarness.run(faceModels: .init(detector: detection.detector, embedder: embedder)) { client, env in
            for (name, report) in [("obama.jpg", "r1"), ("obama2.jpg", "r2")] {
                var form = Multipart(files: [.init(filename: name, contentType: "image/jpeg", data: try FaceSearchTests.photo(name))])
                form.fields = [("reportId", report)]
                try await client.upload(form) { #expect($0.files.first?["status"] as? String == "processing") }
            }
            try await env.faceWorker(detection, embedder, linking: false)()
            #expect(try await env.scalar("SELECT count(*) FROM face_detections WHERE embedding IS NOT NULL") == 2)
            #expect(try await env.scalar("SELECT count(*) FROM identities") == 0)
            #expect(try await env.scalar("SELECT count(*) FROM face_links") == 0)
            #expect(try await env.scalar("SELECT count(*) FROM report_links") == 0)
            try await client.execute(uri: "/reports/r2", method: .put, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"status":"approved"}"#)) { #expect($0.status == .ok) }
            let form = Multipart(files: [.init(name: "image", filename: "q.jpg", contentType: "image/jpeg", data: try FaceSearchTests.photo("obama.jpg"))])
            try await client.execute(uri: "/search/face", method: .post, headers: [.contentType: form.contentType], body: form.body) { response in
                let match = (response.json["matches"] as? [[String: Any]])?.first
                #expect(match?["reportId"] as? String == "r2")
                #expect(match?["identityId"] as? String == nil)
            }
        }
    }

    @Test func photosOfOnePersonFormOneIdentityAndCorrectionsStick() async throws {
        let (detection, embedder) = try FaceSearchTests.models()
        try await IngestHarness.run(faceModels: .init(detector: detection.detector, embedder: embedder)) { client, env in
            var ids: [String: String] = [:]
            for (name, report) in [("obama.jpg", "r1"), ("obama2.jpg", "r2"), ("obama3.jpg", "r3"), ("biden.jpg", "r4"), ("t1.jpg", "r5")] {
                var form = Multipart(files: [.init(filename: name, contentType: "image/jpeg", data: try FaceSearchTests.photo(name))])
                form.fields = [("reportId", report)]
                try await client.upload(form) { ids[name] = $0.files.first?["id"] as? String }
            }
            let runJobs = env.faceWorker(detection, embedder)
            try await runJobs()

            @Sendable func identities(_ image: String) async throws -> [String] {
                var found: [String] = []
                try await client.execute(uri: "/images/\(image)", method: .get) { response in
                    found = (response.json["faces"] as? [[String: Any]] ?? []).compactMap { $0["identityId"] as? String }
                }
                return found
            }
            let obama = try await identities(ids["obama.jpg"]!)
            #expect(obama.count == 1)
            let person = obama[0]
            #expect(try await identities(ids["obama2.jpg"]!) == [person])
            #expect(try await identities(ids["obama3.jpg"]!) == [person])
            let biden = try await identities(ids["biden.jpg"]!)
            let crowd = try await identities(ids["t1.jpg"]!)
            #expect(biden.count == 1 && biden[0] != person)
            #expect(crowd.count == 6 && Set(crowd).count == 6 && !crowd.contains(person) && !crowd.contains(biden[0]))
            #expect(try await env.scalar("SELECT count(*) FROM identities") == 8)

            // Search by identity: every report the person appears in (admin: all of them), audited.
            try await client.execute(uri: "/identities/\(person)", method: .get) { response in
                #expect(response.status == .ok)
                #expect((response.json["faces"] as? [Any])?.count == 3)
                #expect((response.json["reports"] as? [[String: Any]] ?? []).compactMap { $0["reportId"] as? String } == ["r1", "r2", "r3"])
            }
            #expect(try await env.scalar("SELECT count(*) FROM audit_log WHERE action = 'face_search' AND target = 'identity:\(person)'") == 1)
            try await client.execute(uri: "/reports/r1", method: .get) { #expect($0.json["identityIds"] as? [String] == [person]) }
            // Below admin: approved reports only; nothing approved looks like nothing at all.
            let standard = client.with(key: try await env.key(.standard))
            try await standard.execute(uri: "/identities/\(person)", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/reports/r2", method: .put, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"status":"approved"}"#)) { #expect($0.status == .ok) }
            try await standard.execute(uri: "/identities/\(person)", method: .get) { response in
                #expect((response.json["faces"] as? [[String: Any]])?.compactMap { $0["imageId"] as? String } == [ids["obama2.jpg"]!])
                #expect((response.json["reports"] as? [[String: Any]])?.compactMap { $0["reportId"] as? String } == ["r2"])
            }
            // Face search says which person a match is, and how strong.
            var form = Multipart(files: [.init(name: "image", filename: "q.jpg", contentType: "image/jpeg", data: try FaceSearchTests.photo("obama.jpg"))])
            form.fields = [("limit", "5")]
            try await standard.execute(uri: "/search/face", method: .post, headers: [.contentType: form.contentType], body: form.body) { response in
                let match = (response.json["matches"] as? [[String: Any]])?.first
                #expect(match?["identityId"] as? String == person)
                let similarity = match?["similarity"] as? Double ?? 0
                #expect(similarity >= FaceMatchThresholds.defaultPossible)
                #expect(match?["strength"] as? String == FaceMatchThresholds().strength(of: similarity)?.rawValue)
            }
            // Corrections are admin-only.
            try await standard.execute(uri: "/identities/\(person)/merge", method: .post, headers: [.contentType: "application/json"],
                                       body: ByteBuffer(string: #"{"identityId":"\#(biden[0])"}"#)) { #expect($0.status == .forbidden) }

            // An admin splits obama3's face off; processing obama3 again keeps it apart.
            let obama3Face = try await Self.faceID(of: ids["obama3.jpg"]!, env.client)
            var split = ""
            try await client.execute(uri: "/identities/\(person)/split", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"faceIds":["\#(obama3Face)"]}"#)) { response in
                #expect(response.status == .ok)
                split = response.json["id"] as? String ?? ""
                #expect((response.json["faces"] as? [[String: Any]])?.first?["pinned"] as? Bool == true)
            }
            #expect(!split.isEmpty && split != person)
            try await client.execute(uri: "/images/\(ids["obama3.jpg"]!)/process", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"pipeline":"process"}"#)) { #expect($0.status == .accepted) }
            try await runJobs()
            #expect(try await identities(ids["obama3.jpg"]!) == [split])
            try await client.execute(uri: "/identities/\(person)", method: .get) { response in
                #expect((response.json["faces"] as? [Any])?.count == 2)
                #expect(response.json["separatedFrom"] as? [String] == [split])
            }
            // A face of someone else cannot be split off this identity.
            let bidenFace = try await Self.faceID(of: ids["biden.jpg"]!, env.client)
            try await client.execute(uri: "/identities/\(person)/split", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"faceIds":["\#(bidenFace)"]}"#)) { #expect($0.status == .badRequest) }

            // The admin changes their mind: merged back, for good (every face pinned).
            try await client.execute(uri: "/identities/\(person)/merge", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"identityId":"\#(split)"}"#)) { response in
                #expect(response.status == .ok)
                let faces = response.json["faces"] as? [[String: Any]] ?? []
                #expect(faces.count == 3 && faces.allSatisfy { $0["pinned"] as? Bool == true })
                #expect(response.json["separatedFrom"] == nil)
            }
            try await client.execute(uri: "/identities/\(split)", method: .get) { #expect($0.status == .notFound) }
            #expect(try await env.scalar("SELECT count(*) FROM audit_log WHERE action = 'identity_corrected'") == 2)

            // Erasing biden's only photo takes the identity with it.
            try await client.execute(uri: "/images/\(ids["biden.jpg"]!)", method: .delete) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/identities/\(biden[0])", method: .get) { #expect($0.status == .notFound) }
            #expect(try await env.scalar("SELECT count(*) FROM identities") == 7)
        }
    }

    static func faceID(of image: String, _ client: DatabaseClient) async throws -> String {
        for try await id in try await client.query(PostgresQuery(unsafeSQL: "SELECT id::text FROM face_detections WHERE image_id = '\(image)'"))
            .decode(String.self) { return id }
        throw TestSetupError("no face in \(image)")
    }
}
