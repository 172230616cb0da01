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
import Testing
import TestSupport

/// FACE_ATTRIBUTES through the pipeline: embed_faces stores an estimated age and gender per
/// face, admins see them on the image, other callers do not; without the estimator the columns
/// stay empty.
@Suite struct FaceAttributesPipelineTests {
    @Test func embeddingStoresAgeAndGenderThatOnlyAdminsSee() async throws {
        let (detection, embedder) = try FaceSearchTests.models()
        let estimator = try FaceAttributeEstimator(
            runtime: ONNXRuntime(libraryPath: FaceSearchTests.root.appendingPathComponent(ONNXRuntime.defaultLibraryPath).path),
            modelDirectory: FaceSearchTests.root.appendingPathComponent(".deps/models").path, aligner: try #require(embedder as? DlibFaceEmbedder))
        try await IngestHarness.run { client, env in
            var ids: [String: String] = [:]
            for name in ["obama.jpg", "astronaut.png", "biden.jpg"] {
                var form = Multipart(files: [.init(filename: name, contentType: name.hasSuffix("png") ? "image/png" : "image/jpeg",
                                                   data: try FaceSearchTests.photo(name))])
                form.fields = [("reportId", "r1")]
                try await client.upload(form) { ids[name] = $0.files.first?["id"] as? String }
            }
            try await env.faceWorker(detection, embedder, attributes: estimator)()
            let standard = client.with(key: try await env.key(.standard))
            for (name, gender) in [("obama.jpg", "male"), ("astronaut.png", "female")] {
                try await client.execute(uri: "/images/\(ids[name]!)", method: .get) { response in
                    let face = (response.json["faces"] as? [[String: Any]])?.first
                    #expect(face?["estimatedGender"] as? String == gender, "\(name)")
                    #expect((20...75).contains(face?["estimatedAge"] as? Double ?? -1), "\(name): \(face?["estimatedAge"] ?? "none")")
                    #expect((0.5...1).contains(face?["genderConfidence"] as? Double ?? -1))
                }
                try await standard.execute(uri: "/images/\(ids[name]!)", method: .get) { response in
                    let face = (response.json["faces"] as? [[String: Any]])?.first
                    #expect(face != nil && face?["estimatedGender"] == nil && face?["estimatedAge"] == nil)
                }
            }
            #expect(try await env.scalar("SELECT count(*) FROM face_detections WHERE estimated_gender IS NOT NULL") == 3)
            // Embedded again without the estimator (FACE_ATTRIBUTES turned off): the estimates go.
            try await client.execute(uri: "/images/\(ids["biden.jpg"]!)/process", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"pipeline":"process"}"#)) { #expect($0.status == .accepted) }
            try await env.faceWorker(detection, embedder)()
            #expect(try await env.scalar("SELECT count(*) FROM face_detections WHERE estimated_gender IS NOT NULL") == 2)
        }
    }
}
