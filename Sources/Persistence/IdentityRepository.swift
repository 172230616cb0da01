import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// All SQL for face identities: grouping faces as they are embedded, admins' corrections, and
/// the read side (`GET /identities/{id}`, the identities on an image or report).
///
/// How a face finds its identity (`assign`), and why:
/// - Its `neighbours` nearest faces of other images at or above `possible` vote by identity.
/// - An identity of one face takes the new face on one vote; an identity of two or more faces
///   needs two votes. One look-alike face is not enough to pull a new face into a big group,
///   which is how chains of look-alikes grow into one "person" (immich's users' complaint).
/// - Faces of one image are different people: two never share an identity.
/// - Two identities merge only when the face qualifies for both, its best match in the other is
///   `strong`, they hold no faces of the same image, and no admin separated them.
/// - A pinned face (an admin's correction) goes where the pin says, whatever the votes.
public struct IdentityRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Nearest faces that vote for a new face's identity.
    public static let neighbours = 10
    /// One lock for all identity changes: two workers embedding the same person at once must
    /// not each start an identity. Held for the transaction only (milliseconds per image).
    public static let lockKey: Int64 = 0x6661_6365_6964  // "faceid"

    public struct Assignment: Sendable, Equatable {
        public var faceID: UUID
        public var identityID: UUID
        public var created: Bool
        /// Identities merged into this one by this face's evidence.
        public var merged: [UUID]
    }

    /// Puts each embedded face of the image in an identity; in the caller's transaction.
    /// Nearest faces come from `index` (refreshed once the lock is held, so it holds every face a
    /// concurrent job committed before letting go of it) and are ranked exactly here.
    public func assign(_ imageID: UUID, thresholds: FaceMatchThresholds, index: FaceIndex,
                       on connection: PostgresConnection) async throws -> [Assignment] {
        try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
        try await index.refresh(on: connection)
        var faces: [(id: UUID, pin: UUID?)] = []
        // A rerun (a retried embed job) starts afresh: these faces' earlier identities no longer
        // vote for them. A face that then finds no group keeps its earlier identity if nobody
        // else is in it (so a rerun changes nothing); one left empty goes at the end.
        var previous: [UUID: UUID] = [:]
        for try await (face, identity) in try await connection.query(
            """
            SELECT fi.face_id, fi.identity_id FROM face_identities fi JOIN face_detections f ON f.id = fi.face_id
            WHERE f.image_id = \(imageID)
            """, logger: logger).decode((UUID, UUID).self)
        {
            previous[face] = identity
        }
        let earlier = Array(Set(previous.values))
        try await connection.query(
            "DELETE FROM face_identities WHERE face_id IN (SELECT id FROM face_detections WHERE image_id = \(imageID))", logger: logger)
        for try await (id, pin) in try await connection.query(
            """
            SELECT f.id, p.identity_id FROM face_detections f
            LEFT JOIN identity_pins p ON p.image_id = f.image_id AND p.face_index = f.face_index
            WHERE f.image_id = \(imageID) AND f.embedding IS NOT NULL
            ORDER BY f.face_index
            """, logger: logger).decode((UUID, UUID?).self)
        {
            faces.append((id, pin))
        }
        var taken = Set(faces.compactMap(\.pin))
        var result: [Assignment] = []
        // Only evidence in an approved report may merge two people into one (issue 22): a face
        // anyone can upload (their own report, a pending addition, no report) still joins the
        // group it matches best, but cannot bridge two groups that face search then reports as
        // one person.
        let mayMerge = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM image_reports ir JOIN reports r ON r.id = ir.report_id
                           WHERE ir.image_id = \(imageID) AND r.status = 'approved')
            """, logger: logger).decode(Bool.self).all().first ?? false
        for face in faces {
            if let pin = face.pin {
                try await setIdentity(pin, of: face.id, on: connection)
                result.append(Assignment(faceID: face.id, identityID: pin, created: false, merged: []))
                continue
            }
            let near = await index.nearest(toFace: face.id, count: FaceRepository.candidates(Self.neighbours), excludingImage: imageID)
            let votes = try await self.votes(for: face.id, imageID: imageID, among: near.map(\.faceID), minSimilarity: thresholds.possible,
                                             on: connection)
                .filter { !taken.contains($0.identity) && $0.count >= min(2, $0.size) }
            var assignment: Assignment
            if let best = votes.first {
                assignment = Assignment(faceID: face.id, identityID: best.identity, created: false, merged: [])
                for other in votes.dropFirst() where mayMerge && other.best >= thresholds.strong {
                    if try await merge(other.identity, into: best.identity, automatic: true, by: nil, on: connection) {
                        assignment.merged.append(other.identity)
                    }
                }
            } else if let own = previous[face.id], !taken.contains(own), try await isEmpty(own, on: connection) {
                assignment = Assignment(faceID: face.id, identityID: own, created: false, merged: [])
            } else {
                let id = try await connection.query("INSERT INTO identities DEFAULT VALUES RETURNING id", logger: logger)
                    .decode(UUID.self).all().first!
                assignment = Assignment(faceID: face.id, identityID: id, created: true, merged: [])
            }
            try await setIdentity(assignment.identityID, of: face.id, on: connection)
            taken.insert(assignment.identityID)
            result.append(assignment)
        }
        try await prune(earlier, on: connection)
        return result
    }

    struct Vote {
        var identity: UUID
        var count: Int
        var best: Double
        var size: Int
    }

    /// The identities among the face's nearest neighbours at or above `minSimilarity`: most
    /// votes first, then the closest.
    private func votes(for faceID: UUID, imageID: UUID, among candidates: [UUID], minSimilarity: Double,
                       on connection: PostgresConnection) async throws -> [Vote] {
        var votes: [Vote] = []
        guard !candidates.isEmpty else { return votes }
        for try await (identity, count, best, size) in try await connection.query(
            """
            SELECT fi.identity_id, count(*)::int, max(near.similarity)::float8,
                   (SELECT count(*) FROM face_identities s WHERE s.identity_id = fi.identity_id)::int
            FROM face_detections mine
            CROSS JOIN LATERAL (
                SELECT f.id, 1 - (f.embedding <=> mine.embedding) AS similarity
                FROM face_detections f
                WHERE f.id = ANY(\(candidates)::uuid[]) AND f.embedding IS NOT NULL AND f.image_id <> \(imageID)
                ORDER BY f.embedding <=> mine.embedding
                LIMIT \(Self.neighbours)
            ) near
            JOIN face_identities fi ON fi.face_id = near.id
            WHERE mine.id = \(faceID) AND near.similarity >= \(minSimilarity)
            GROUP BY fi.identity_id
            ORDER BY 2 DESC, 3 DESC
            """, logger: logger).decode((UUID, Int, Double, Int).self)
        {
            votes.append(Vote(identity: identity, count: count, best: best, size: size))
        }
        return votes
    }

    private func isEmpty(_ identity: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query(
            "SELECT NOT EXISTS (SELECT 1 FROM face_identities WHERE identity_id = \(identity))", logger: logger)
            .decode(Bool.self).all().first ?? false
    }

    private func setIdentity(_ identity: UUID, of face: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO face_identities (face_id, identity_id) VALUES (\(face), \(identity))
            ON CONFLICT (face_id) DO UPDATE SET identity_id = EXCLUDED.identity_id
            """,
            logger: logger)
    }

    /// Moves every face and pin of `source` into `target` and deletes `source`. An automatic
    /// merge does nothing (false) when an admin separated the two or when they hold faces of the
    /// same image; an admin's merge lifts a separation and pins every face of both, so no later
    /// pass takes them apart.
    @discardableResult
    public func merge(_ source: UUID, into target: UUID, automatic: Bool, by actor: String?, on connection: PostgresConnection)
        async throws -> Bool
    {
        guard source != target else { return false }
        if automatic {
            let blocked = try await connection.query(
                """
                SELECT EXISTS (SELECT 1 FROM identity_separations
                               WHERE identity1 = LEAST(\(source), \(target)) AND identity2 = GREATEST(\(source), \(target)))
                    OR EXISTS (SELECT 1 FROM face_identities a JOIN face_detections fa ON fa.id = a.face_id
                               JOIN face_detections fb ON fb.image_id = fa.image_id JOIN face_identities b ON b.face_id = fb.id
                               WHERE a.identity_id = \(source) AND b.identity_id = \(target))
                """, logger: logger).decode(Bool.self).all().first ?? true
            if blocked { return false }
        } else {
            try await connection.query(
                """
                DELETE FROM identity_separations
                WHERE identity1 = LEAST(\(source), \(target)) AND identity2 = GREATEST(\(source), \(target))
                """, logger: logger)
        }
        try await connection.query("UPDATE face_identities SET identity_id = \(target) WHERE identity_id = \(source)", logger: logger)
        try await connection.query("UPDATE identity_pins SET identity_id = \(target) WHERE identity_id = \(source)", logger: logger)
        // The source's separations become the target's (an admin's "not the same person" stands).
        try await connection.query(
            """
            INSERT INTO identity_separations (identity1, identity2, separated_by, separated_at)
            SELECT LEAST(\(target), other), GREATEST(\(target), other), separated_by, separated_at
            FROM (SELECT CASE WHEN identity1 = \(source) THEN identity2 ELSE identity1 END AS other, separated_by, separated_at
                  FROM identity_separations WHERE \(source) IN (identity1, identity2)) s
            WHERE other <> \(target)
            ON CONFLICT DO NOTHING
            """, logger: logger)
        try await connection.query("DELETE FROM identities WHERE id = \(source)", logger: logger)
        try await connection.query("UPDATE identities SET updated_at = now() WHERE id = \(target)", logger: logger)
        if !automatic { try await pinAll(of: target, by: actor, on: connection) }
        return true
    }

    /// An admin's split: the faces leave `identity` for a new identity, pinned there, and the two
    /// are separated for good. Nil when a face is not in `identity`.
    public func split(_ faces: [UUID], from identity: UUID, by actor: String?, on connection: PostgresConnection) async throws -> UUID? {
        try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
        let inside = try await connection.query(
            "SELECT count(*)::int FROM face_identities WHERE identity_id = \(identity) AND face_id = ANY(\(faces)::uuid[])",
            logger: logger).decode(Int.self).all().first ?? 0
        guard inside == Set(faces).count else { return nil }
        let new = try await connection.query("INSERT INTO identities DEFAULT VALUES RETURNING id", logger: logger)
            .decode(UUID.self).all().first!
        try await connection.query("UPDATE face_identities SET identity_id = \(new) WHERE face_id = ANY(\(faces)::uuid[])", logger: logger)
        try await connection.query(
            """
            INSERT INTO identity_separations (identity1, identity2, separated_by)
            VALUES (LEAST(\(identity), \(new)), GREATEST(\(identity), \(new)), \(actor))
            """, logger: logger)
        try await connection.query("UPDATE identities SET updated_at = now() WHERE id = \(identity)", logger: logger)
        try await pinAll(of: new, by: actor, on: connection)
        return new
    }

    /// Pins every face of the identity to it (an admin has decided about all of them).
    private func pinAll(of identity: UUID, by actor: String?, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO identity_pins (image_id, face_index, identity_id, pinned_by)
            SELECT f.image_id, f.face_index, fi.identity_id, \(actor)
            FROM face_identities fi JOIN face_detections f ON f.id = fi.face_id WHERE fi.identity_id = \(identity)
            ON CONFLICT (image_id, face_index) DO UPDATE SET identity_id = EXCLUDED.identity_id, pinned_by = EXCLUDED.pinned_by,
                pinned_at = now()
            """, logger: logger)
    }

    /// Identities of these faces' rows (read before the rows are replaced or deleted).
    public func identities(ofImage imageID: UUID, on connection: PostgresConnection) async throws -> [UUID] {
        try await connection.query(
            """
            SELECT DISTINCT fi.identity_id FROM face_identities fi JOIN face_detections f ON f.id = fi.face_id
            WHERE f.image_id = \(imageID)
            """,
            logger: logger).decode(UUID.self).all()
    }

    /// Deletes those of `ids` left with no face and no pin (after an image's faces were
    /// replaced or erased): an identity is never kept for a person facepipe no longer holds.
    public func prune(_ ids: [UUID], on connection: PostgresConnection) async throws {
        guard !ids.isEmpty else { return }
        try await connection.query(
            """
            DELETE FROM identities i WHERE i.id = ANY(\(ids)::uuid[])
              AND NOT EXISTS (SELECT 1 FROM face_identities f WHERE f.identity_id = i.id)
              AND NOT EXISTS (SELECT 1 FROM identity_pins p WHERE p.identity_id = i.id)
            """, logger: logger)
    }

    // MARK: Reading

    public typealias Face = IdentityRecord.Face
    public typealias Record = IdentityRecord

    /// At most `limit` faces (oldest images first); the reports are complete.
    public func find(_ id: UUID, limit: Int = 500) async throws -> Record? {
        guard let (created, updated) = try await client.query(
            "SELECT created_at, updated_at FROM identities WHERE id = \(id)", logger: logger).decode((Date, Date).self).all().first
        else { return nil }
        var record = Record(id: id, createdAt: created, updatedAt: updated, faces: [], reports: [], separatedFrom: [])
        for try await (face, image, index, pinned, approved, thumb, blurred, crop) in try await client.query(
            """
            SELECT f.id, f.image_id, f.face_index, p.identity_id IS NOT NULL,
                   EXISTS (SELECT 1 FROM image_reports ir JOIN reports r ON r.id = ir.report_id
                           WHERE ir.image_id = f.image_id AND r.status = 'approved'),
                   i.thumbnails->>'medium', i.thumbnails->>'blurred', f.crop_key
            FROM face_detections f JOIN images i ON i.id = f.image_id
            JOIN face_identities fi ON fi.face_id = f.id
            LEFT JOIN identity_pins p ON p.image_id = f.image_id AND p.face_index = f.face_index AND p.identity_id = fi.identity_id
            WHERE fi.identity_id = \(id)
            ORDER BY i.created_at, f.face_index LIMIT \(limit)
            """, logger: logger).decode((UUID, UUID, Int, Bool, Bool, String?, String?, String?).self)
        {
            record.faces.append(Face(id: face, imageID: image, index: index, pinned: pinned, approved: approved,
                                     thumbnailKey: thumb, blurredThumbnailKey: blurred, cropKey: crop))
        }
        for try await (report, status) in try await client.query(
            """
            SELECT r.id, r.status
            FROM face_identities fi JOIN face_detections f ON f.id = fi.face_id
            JOIN image_reports ir ON ir.image_id = f.image_id JOIN reports r ON r.id = ir.report_id
            WHERE fi.identity_id = \(id)
            GROUP BY r.id, r.status ORDER BY min(ir.added_at), r.id
            """, logger: logger).decode((String, String).self)
        {
            record.reports.append((report, status))
        }
        record.separatedFrom = try await client.query(
            """
            SELECT CASE WHEN identity1 = \(id) THEN identity2 ELSE identity1 END FROM identity_separations
            WHERE \(id) IN (identity1, identity2) ORDER BY separated_at
            """, logger: logger).decode(UUID.self).all()
        return record
    }

    /// The identities with a face in the report's images, most faces first.
    public func identities(inReport report: String) async throws -> [UUID] {
        try await client.query(
            """
            SELECT fi.identity_id FROM image_reports ir JOIN face_detections f ON f.image_id = ir.image_id
            JOIN face_identities fi ON fi.face_id = f.id
            WHERE ir.report_id = \(report)
            GROUP BY fi.identity_id ORDER BY count(*) DESC, fi.identity_id LIMIT 100
            """, logger: logger).decode(UUID.self).all()
    }
}
