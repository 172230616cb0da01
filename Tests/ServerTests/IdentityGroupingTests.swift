import FacepipeCore
import Foundation
import Persistence
import PostgresNIO
import Testing
import TestSupport

/// The grouping rules of `IdentityRepository.assign`, on embeddings placed at chosen cosine
/// similarities (real photos are in `IdentityTests`): one look-alike vote is not enough for a
/// group of several faces, faces of one image stay apart, merges need a strong match and no
/// admin separation.
@Suite struct IdentityGroupingTests {
    /// A unit vector in 128 dimensions from its first few coordinates (the rest 0; the last
    /// given coordinate is filled in so the length is 1).
    static func vector(_ head: [Double]) -> [Float] {
        var values = head.map(Float.init)
        let rest = 1 - head.dropLast().reduce(0) { $0 + $1 * $1 }
        values[values.count - 1] = Float(max(0, rest).squareRoot())
        return values + [Float](repeating: 0, count: 128 - values.count)
    }

    /// Scratch images, each with faces at the given vectors; `assign` runs per image in order.
    struct World {
        let client: DatabaseClient
        let thresholds = FaceMatchThresholds(possible: 0.92, strong: 0.94)
        /// One worker's copy of the faces, shared by every assignment as in production.
        let index = FaceIndex(logger: TestDatabase.logger)

        @discardableResult
        func image(_ faces: [[Float]], approved: Bool = true) async throws -> [UUID] { try await stored(faces, approved: approved).identities }

        /// A new image with these faces (in an approved report unless `approved` is false),
        /// assigned; its id and its faces' identities.
        func stored(_ faces: [[Float]], approved: Bool = true) async throws -> (image: UUID, identities: [UUID]) {
            let id = UUID()
            let hex = id.uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            try await client.query(
                """
                INSERT INTO images (id, sha256, mime, bytes, original_key, status)
                VALUES (\(id), \(hex + hex), 'image/jpeg', 0, 'test', 'done')
                """)
            if approved {
                try await client.query("INSERT INTO reports (id, status) VALUES ('world', 'approved') ON CONFLICT (id) DO NOTHING")
                try await client.query("INSERT INTO image_reports (image_id, report_id) VALUES (\(id), 'world')")
            }
            for (index, vector) in faces.enumerated() {
                let literal = "[" + vector.map { String($0) }.joined(separator: ",") + "]"
                try await client.query(
                    """
                    INSERT INTO face_detections (image_id, face_index, bbox, confidence, embedding)
                    VALUES (\(id), \(index), '{}', 1, \(literal)::vector)
                    """)
            }
            return (id, try await assign(id))
        }

        func assign(_ image: UUID) async throws -> [UUID] {
            let repository = IdentityRepository(client: client, logger: TestDatabase.logger)
            return try await client.withTransaction(logger: TestDatabase.logger) { connection in
                try await repository.assign(image, thresholds: thresholds, index: index, on: connection)
            }.map(\.identityID)
        }

        func count(_ sql: String) async throws -> Int {
            for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Int.self) { return value }
            return 0
        }
    }

    static func withWorld(_ body: @escaping @Sendable (World) async throws -> Void) async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            try await body(World(client: client))
        }
    }

    @Test func oneLookAlikeVoteDoesNotPullAFaceIntoAGroup() async throws {
        try await Self.withWorld { world in
            let a1 = Self.vector([1, 0]), a2 = Self.vector([0.95, 0])
            let first = try await world.image([a1])
            #expect(try await world.image([a2]) == first)  // 0.95: joins the identity of one face
            // 0.93 to a1 but 0.77 to a2: one vote of a group of two; a new identity.
            let lookAlike = try await world.image([Self.vector([0.93, -0.36, 0])])
            #expect(lookAlike != first)
            // Close to both: two votes; it joins.
            #expect(try await world.image([Self.vector([0.99, 0.05])]) == first)
            #expect(try await world.count("SELECT count(*) FROM identities") == 2)
        }
    }

    /// A retried embed job assigns the image again: the same identities, nothing new, nothing left empty.
    @Test func assigningAnImageAgainChangesNothing() async throws {
        try await Self.withWorld { world in
            let first = try await world.image([Self.vector([1, 0])])
            let second = try await world.stored([Self.vector([0.95, 0])])
            #expect(second.identities == first)
            #expect(try await world.assign(second.image) == first)
            #expect(try await world.assign(second.image) == first)
            // A face alone in its identity keeps it too.
            let lone = try await world.stored([Self.vector([0, 1])])
            #expect(try await world.assign(lone.image) == lone.identities)
            #expect(try await world.count("SELECT count(*) FROM identities") == 2)
        }
    }

    @Test func facesOfOneImageNeverShareAnIdentity() async throws {
        try await Self.withWorld { world in
            let first = try await world.image([Self.vector([1, 0])])
            let both = try await world.image([Self.vector([0.99, 0]), Self.vector([0.98, 0])])
            #expect(both.count == 2 && both[0] == first[0] && both[1] != first[0])
        }
    }

    @Test func identitiesMergeOnAStrongMatchUnlessAnAdminSeparatedThem() async throws {
        try await Self.withWorld { world in
            let a = try await world.image([Self.vector([1, 0])])[0]
            let b = try await world.image([Self.vector([0.85, 0.5268])])[0]  // 0.85 to a: someone else
            #expect(a != b)
            // 0.96 to a, 0.93 to b: joins a; 0.93 is not strong enough to merge b.
            #expect(try await world.image([Self.vector([0.96, 0.2163, 0.1778])]) == [a])
            #expect(try await world.count("SELECT count(*) FROM identities") == 2)
            // An admin said a and b are different people: even a strong match does not merge them.
            try await world.client.query(
                "INSERT INTO identity_separations (identity1, identity2) VALUES (LEAST(\(a), \(b)), GREATEST(\(a), \(b)))")
            #expect(try await world.image([Self.vector([0.96, 0.2543, 0.117])]) == [a])
            #expect(try await world.count("SELECT count(*) FROM identities") == 2)
            // Without the separation, the same evidence outside an approved report (anyone's
            // upload) still does not merge them (issue 22): it joins a, that is all.
            try await world.client.query("DELETE FROM identity_separations")
            #expect(try await world.image([Self.vector([0.96, 0.2543, 0.117])], approved: false) == [a])
            #expect(try await world.count("SELECT count(*) FROM identities") == 2)
            // In an approved report, the same evidence merges b into a.
            #expect(try await world.image([Self.vector([0.96, 0.2543, 0.117])]) == [a])
            #expect(try await world.count("SELECT count(*) FROM identities") == 1)
            #expect(try await world.count("SELECT count(DISTINCT identity_id) FROM face_identities") == 1)
        }
    }
}
