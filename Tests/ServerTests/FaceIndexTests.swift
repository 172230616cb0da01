import FacepipeCore
import Foundation
import Persistence
import PostgresNIO
import Testing
import TestSupport

/// `FaceIndex` against the database it copies: what another process wrote reaches it, a vector
/// written again replaces the old one, erased images leave it, and face search answers only
/// what the caller may see even when the nearest candidates are hidden from them.
@Suite struct FaceIndexTests {
    static let vector = IdentityGroupingTests.vector

    /// A new image holding one face at each vector, in `report` when given; the face ids.
    @discardableResult
    static func image(_ client: DatabaseClient, _ vectors: [[Float]], report: String? = nil, on connection: PostgresConnection? = nil)
        async throws -> (image: UUID, faces: [UUID])
    {
        let id = UUID()
        let hex = id.uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await client.query(
            "INSERT INTO images (id, sha256, mime, bytes, original_key, status) VALUES (\(id), \(hex + hex), 'image/jpeg', 0, 'test', 'done')")
        if let report {
            try await client.query("INSERT INTO image_reports (image_id, report_id) VALUES (\(id), \(report))")
        }
        var faces: [UUID] = []
        for (index, vector) in vectors.enumerated() {
            let face = UUID()
            try await client.query("INSERT INTO face_detections (id, image_id, face_index, bbox, confidence) VALUES (\(face), \(id), \(index), '{}', 1)")
            faces.append(face)
            let write: PostgresQuery = "UPDATE face_detections SET embedding = \(literal(vector))::vector WHERE id = \(face)"
            if let connection { try await connection.query(write, logger: TestDatabase.logger) } else { try await client.query(write) }
        }
        return (id, faces)
    }

    static func literal(_ vector: [Float]) -> String { FaceRepository.literal(vector) }

    @Test func refreshFindsLateCommitsReplacedVectorsAndForgetsErasedImages() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let index = FaceIndex(logger: TestDatabase.logger)
            let a = try await Self.image(client, [Self.vector([1, 0]), Self.vector([0, 1])])
            let b = try await Self.image(client, [Self.vector([0.5, 0.5, 0.5])])
            try await index.refresh(client)
            #expect(await index.count == 3)

            // A vector written before another but committed after it (its stamp is older than
            // what the next refresh has already seen) is still picked up.
            let (late, sawEarly) = try await client.withTransaction(logger: TestDatabase.logger) { connection in
                let late = try await Self.image(client, [Self.vector([0, 0, 0, 1])], on: connection)
                let early = try await Self.image(client, [Self.vector([0, 0, 0, 0, 1])])
                try await index.refresh(client)
                let sawEarly = await index.nearest(to: Self.vector([0, 0, 0, 0, 1]), count: 1).first?.faceID == early.faces[0]
                #expect(await index.count == 4, "the late face is not committed yet")
                return (late, sawEarly)
            }
            #expect(sawEarly)
            try await index.refresh(client)
            #expect(await index.count == 5)
            #expect(await index.nearest(to: Self.vector([0, 0, 0, 1]), count: 1).first?.faceID == late.faces[0])

            // A face embedded again moves to its new vector.
            try await client.query("UPDATE face_detections SET embedding = \(Self.literal(Self.vector([0, 0, 1])))::vector WHERE id = \(b.faces[0])")
            try await index.refresh(client)
            #expect(await index.nearest(to: Self.vector([0, 0, 1]), count: 1).first?.faceID == b.faces[0])
            #expect(await index.count == 5)

            // Processed again: the image's face rows are replaced (as `replaceFaces` does). The
            // old face leaves the copy; only the new one is proposed.
            let replacement = UUID()
            try await client.withTransaction(logger: TestDatabase.logger) { connection in
                try await connection.query("DELETE FROM face_detections WHERE image_id = \(b.image)", logger: TestDatabase.logger)
                try await connection.query(
                    "INSERT INTO face_detections (id, image_id, face_index, bbox, confidence, embedding) VALUES (\(replacement), \(b.image), 0, '{}', 1, \(Self.literal(Self.vector([0, 0, 1])))::vector)",
                    logger: TestDatabase.logger)
            }
            try await index.refresh(client)
            #expect(await index.count == 5)
            let proposed = await index.nearest(to: Self.vector([0, 0, 1]), count: 10).map(\.faceID)
            #expect(proposed.first == replacement)
            #expect(!proposed.contains(b.faces[0]))

            // Erased as the service erases (row, faces and tombstone in one transaction): the copy
            // forgets the image's faces, and a stale read of them later would not bring them back.
            let tombstone = try await client.withTransaction(logger: TestDatabase.logger) {
                try await ErasureRepository(client: client, logger: TestDatabase.logger).begin(a.image, by: "test", on: $0)
            }
            #expect(tombstone != nil)
            try await index.refresh(client)
            #expect(await index.count == 3)
            let everything = await index.nearest(to: Self.vector([1, 0]), count: 10)
            #expect(everything.count == 3)
            #expect(!everything.contains { $0.imageID == a.image })
            // The erasure carries the image; its faces' ids are not kept as removals.
            #expect(try await client.query("SELECT count(*)::int FROM face_removals WHERE face_id = ANY(\(a.faces)::uuid[])")
                .decode(Int.self).all() == [0])
        }
    }

    /// Search refreshes while it scans (`nearest(to:count:refreshingWith:)`): a face that came in
    /// during the scan is still proposed, a face embedded again is proposed once at its new
    /// score (nearer or farther), and a face that left is not; each answer is what a refresh
    /// then a scan gives.
    @Test func aSearchThatRefreshesWhileItScansMissesNothingThatCameInOrLeft() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let index = FaceIndex(logger: TestDatabase.logger)
            let crowd = try await Self.image(client, (0..<60).map { Self.vector([1, 0.1 * Double($0 + 1), 0]) })
            let query = Self.vector([1, 0])
            let pool = FaceRepository.candidates(10)
            #expect(pool < 60, "the pool is full before anything new comes")
            _ = try await index.nearest(to: query, count: pool, refreshingWith: client)  // the first load
            #expect(await index.count == 60)

            let newcomer = try await Self.image(client, [query])
            let withNewcomer = try await index.nearest(to: query, count: pool, refreshingWith: client)
            #expect(withNewcomer.first?.faceID == newcomer.faces[0])
            #expect(withNewcomer.map(\.faceID) == (await index.nearest(to: query, count: pool)).map(\.faceID))

            // The crowd's farthest face moves next to the query: proposed once, second.
            let moved = crowd.faces[59]
            try await client.query("UPDATE face_detections SET embedding = \(Self.literal(Self.vector([0.9999, 0.01])))::vector WHERE id = \(moved)")
            let withMoved = try await index.nearest(to: query, count: pool, refreshingWith: client)
            #expect(withMoved.map(\.faceID).prefix(2) == [newcomer.faces[0], moved])
            #expect(Set(withMoved.map(\.faceID)).count == withMoved.count)
            #expect(withMoved.map(\.faceID) == (await index.nearest(to: query, count: pool)).map(\.faceID))

            // The nearest crowd face moves far away: it leaves the top places, and the face that
            // was first outside them (never scored by this search's scan) takes its place.
            let outsider = (await index.nearest(to: query, count: pool + 1)).last!.faceID
            try await client.query("UPDATE face_detections SET embedding = \(Self.literal(Self.vector([0, 1])))::vector WHERE id = \(crowd.faces[0])")
            let withMovedAway = try await index.nearest(to: query, count: pool, refreshingWith: client)
            #expect(!withMovedAway.contains { $0.faceID == crowd.faces[0] })
            #expect(withMovedAway.contains { $0.faceID == outsider })
            #expect(withMovedAway.map(\.faceID) == (await index.nearest(to: query, count: pool)).map(\.faceID))

            // The newcomer's row goes: it is not proposed, and the pool is still full.
            try await client.query("DELETE FROM face_detections WHERE id = \(newcomer.faces[0])")
            let afterRemoval = try await index.nearest(to: query, count: pool, refreshingWith: client)
            #expect(!afterRemoval.contains { $0.faceID == newcomer.faces[0] })
            #expect(afterRemoval.count == pool)
            #expect(afterRemoval.first?.faceID == moved)
        }
    }

    /// The 80 nearest faces sit in a pending report a standard caller cannot see; the one in an
    /// approved report is 81st. Search keeps asking the index for more until it is found.
    @Test func searchLooksPastCandidatesTheCallerMayNotSee() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            try await client.query("INSERT INTO reports (id, status) VALUES ('hidden', 'pending'), ('open', 'approved')")
            for n in 0..<80 {
                try await Self.image(client, [Self.vector([0.99, 0.001 * Double(n), 0])], report: "hidden")
            }
            let visible = try await Self.image(client, [Self.vector([0.95, 0])], report: "open")
            try await Self.image(client, [Self.vector([0, 1])], report: "open")
            let faces = FaceRepository(client: client, logger: TestDatabase.logger)
            let index = FaceIndex(logger: TestDatabase.logger)
            let query = Self.vector([1, 0])
            #expect(FaceRepository.candidates(10) < 80, "the first pool holds only hidden faces")
            let found = try await faces.search(query, index: index, minSimilarity: 0.9, limit: 10)
            #expect(found.map(\.faceID) == visible.faces)
            #expect(found.first.map { abs($0.similarity - 0.95) < 0.001 } == true, "ranked on the stored vectors: \(found)")
            #expect(found.allSatisfy { $0.reportID == "open" })
            // Above its similarity nothing is answered, however many hidden faces are closer.
            #expect(try await faces.search(query, index: index, minSimilarity: 0.96, limit: 10).isEmpty)
        }
    }

    /// A migration that changes what the ranking returns (here a column's type) spoils the plan a
    /// connection prepared before it: that search fails, and the connection is replaced, so the
    /// next search works instead of failing on it for good.
    @Test func aPreparedRankingSpoiledByASchemaChangeIsPreparedAgainOnAFreshConnection() async throws {
        try await TestDatabase.withScratchDatabase(poolSize: 1) { _, client in
            try await client.query("INSERT INTO reports (id, status, perpetrator_name) VALUES ('open', 'approved', 'someone')")
            let stored = try await Self.image(client, [Self.vector([1, 0])], report: "open")
            let faces = FaceRepository(client: client, logger: TestDatabase.logger)
            let query = Self.vector([1, 0])
            #expect(try await faces.search(query, among: stored.faces, minSimilarity: 0.5, limit: 10).map(\.faceID) == stored.faces)
            try await client.query("ALTER TABLE reports ALTER COLUMN perpetrator_name TYPE varchar(200)")
            await #expect(throws: PSQLError.self) {
                try await faces.search(query, among: stored.faces, minSimilarity: 0.5, limit: 10)
            }
            let again = try await faces.search(query, among: stored.faces, minSimilarity: 0.5, limit: 10)
            #expect(again.map(\.faceID) == stored.faces)
            #expect(again.first?.perpetratorName == "someone")
        }
    }
}
