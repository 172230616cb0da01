import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// All SQL for the evidence that connects reports: which reports an image belongs to
/// (`image_reports`), matching faces (`face_links`) and the connections announced so far
/// (`report_links`), plus the read side (`GET /reports/{id}/links`).
public struct ReportLinkRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The report as it stands, created for `creator` on first sight: whether it was created
    /// now, and who created it (nil for reports the platform set up, or made before 0.4).
    public func claim(_ report: String, creator: String?, on connection: PostgresConnection) async throws
        -> (created: Bool, createdBy: String?)
    {
        let rows = try await connection.query(
            """
            WITH created AS (
                INSERT INTO reports (id, created_by) VALUES (\(report), \(creator)) ON CONFLICT (id) DO NOTHING RETURNING created_by
            )
            SELECT true, created_by FROM created
            UNION ALL
            SELECT false, created_by FROM reports WHERE id = \(report) AND NOT EXISTS (SELECT 1 FROM created)
            """, logger: logger)
        for try await (created, createdBy) in rows.decode((Bool, String?).self) { return (created, createdBy) }
        return (false, nil)
    }

    /// Puts the image in the report (an approved membership: creating the report on first
    /// sight, and making it the image's first report if it has none); false if it was there.
    public func add(_ imageID: UUID, to report: String, by caller: String?, requestID: String?, blurFaces: Bool,
                    on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("INSERT INTO reports (id) VALUES (\(report)) ON CONFLICT (id) DO NOTHING", logger: logger)
        let rows = try await connection.query(
            """
            WITH added AS (
                INSERT INTO image_reports (image_id, report_id, added_by, request_id, blur_faces)
                VALUES (\(imageID), \(report), \(caller), \(requestID), \(blurFaces))
                ON CONFLICT (image_id, report_id) DO NOTHING RETURNING image_id
            ), first AS (
                UPDATE images SET report_id = \(report) WHERE id IN (SELECT image_id FROM added) AND report_id IS NULL
            )
            SELECT image_id FROM added
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Records an addition that waits for an admin (`pending_report_images`): nothing that reads
    /// reports sees it until `approvePending`. False when the image is in the report already or
    /// was already waiting.
    public func addPending(_ imageID: UUID, to report: String, by caller: String?, requestID: String?, blurFaces: Bool,
                           on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            WITH added AS (
                INSERT INTO pending_report_images (image_id, report_id, added_by, request_id, blur_faces)
                SELECT \(imageID), \(report), \(caller), \(requestID), \(blurFaces)
                WHERE NOT EXISTS (SELECT 1 FROM image_reports WHERE image_id = \(imageID) AND report_id = \(report))
                ON CONFLICT (image_id, report_id) DO NOTHING RETURNING image_id
            )
            SELECT image_id FROM added
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// A pending addition becomes a membership (as if added now); false when none was pending.
    /// Returns what the waiting addition carried, or nil when none was pending; `added` is false
    /// when the image was in the report already.
    public func approvePending(_ imageID: UUID, in report: String, on connection: PostgresConnection) async throws
        -> (added: Bool, requestID: String?, blurFaces: Bool)?
    {
        let rows = try await connection.query(
            """
            DELETE FROM pending_report_images WHERE image_id = \(imageID) AND report_id = \(report)
            RETURNING added_by, request_id, blur_faces
            """, logger: logger)
        for try await (addedBy, requestID, blurFaces) in rows.decode((String?, String?, Bool).self) {
            let added = try await add(imageID, to: report, by: addedBy, requestID: requestID, blurFaces: blurFaces, on: connection)
            return (added, requestID, blurFaces)
        }
        return nil
    }

    /// Drops a pending addition; false when none was pending.
    public func rejectPending(_ imageID: UUID, in report: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "DELETE FROM pending_report_images WHERE image_id = \(imageID) AND report_id = \(report) RETURNING image_id",
            logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Images waiting to join the report, oldest first (up to `limit`).
    public func pending(inReport report: String, limit: Int = 100) async throws -> [UUID] {
        var ids: [UUID] = []
        for try await id in try await client.query(
            "SELECT image_id FROM pending_report_images WHERE report_id = \(report) ORDER BY added_at LIMIT \(limit)",
            logger: logger).decode(UUID.self)
        {
            ids.append(id)
        }
        return ids
    }

    /// The reports an image belongs to, oldest link first.
    public func reports(of imageID: UUID) async throws -> [String] {
        var reports: [String] = []
        for try await report in try await client.query(
            "SELECT report_id FROM image_reports WHERE image_id = \(imageID) ORDER BY added_at", logger: logger).decode(String.self)
        {
            reports.append(report)
        }
        return reports
    }

    /// The same file in several reports: every pair of its reports is connected.
    public func recordSameImage(_ imageID: UUID, on connection: PostgresConnection) async throws -> [NewReportLink] {
        try await record(
            """
            SELECT a.report_id, b.report_id, 'same_image', 1.0::float8
            FROM image_reports a JOIN image_reports b ON b.image_id = a.image_id AND a.report_id < b.report_id
            WHERE a.image_id = \(imageID)
            """, imageID: imageID, on: connection)
    }

    /// Near-duplicate pairs just found for the image: its reports × each other image's reports
    /// (pairs judged different left out).
    public func recordNearDuplicates(_ imageID: UUID, others: [UUID], strengths: [Double], on connection: PostgresConnection) async throws -> [NewReportLink] {
        guard !others.isEmpty else { return [] }
        return try await record(
            """
            SELECT LEAST(a.report_id, b.report_id), GREATEST(a.report_id, b.report_id), 'near_duplicate', max(d.strength)
            FROM unnest(\(others)::uuid[], \(strengths)::float8[]) AS d(other, strength)
            JOIN image_reports a ON a.image_id = \(imageID)
            JOIN image_reports b ON b.image_id = d.other
            WHERE a.report_id <> b.report_id
              -- A pair a person judged different connects nothing, found again or not.
              AND NOT EXISTS (SELECT 1 FROM image_duplicates x WHERE x.status = 'different'
                              AND x.image1_id = LEAST(\(imageID), d.other) AND x.image2_id = GREATEST(\(imageID), d.other))
            GROUP BY 1, 2
            """, imageID: imageID, on: connection)
    }

    /// Faces of this image that match faces of other images (similarity ≥ `minSimilarity`, the
    /// nearest `perFace` each, ranked exactly among `index`'s candidates): stored as face links,
    /// and their reports connected.
    public func recordFaceMatches(_ imageID: UUID, minSimilarity: Double, perFace: Int, index: FaceIndex,
                                  on connection: PostgresConnection) async throws -> [NewReportLink] {
        try await index.refresh(on: connection)
        var candidates = Set<UUID>()
        for try await face in try await connection.query(
            "SELECT id FROM face_detections WHERE image_id = \(imageID) AND embedding IS NOT NULL", logger: logger).decode(UUID.self)
        {
            let near = await index.nearest(toFace: face, count: FaceRepository.candidates(perFace), excludingImage: imageID)
            candidates.formUnion(near.map(\.faceID))
        }
        try await connection.query(
            """
            INSERT INTO face_links (face1, face2, similarity)
            SELECT LEAST(mine.id, near.id), GREATEST(mine.id, near.id), near.similarity
            FROM face_detections mine
            CROSS JOIN LATERAL (
                SELECT f.id, 1 - (f.embedding <=> mine.embedding) AS similarity
                FROM face_detections f
                WHERE f.id = ANY(\(Array(candidates))::uuid[]) AND f.embedding IS NOT NULL AND f.image_id <> mine.image_id
                ORDER BY f.embedding <=> mine.embedding
                LIMIT \(perFace)
            ) near
            WHERE mine.image_id = \(imageID) AND mine.embedding IS NOT NULL AND near.similarity >= \(minSimilarity)
            ON CONFLICT (face1, face2) DO UPDATE SET similarity = EXCLUDED.similarity
            """, logger: logger)
        return try await record(
            """
            SELECT LEAST(a.report_id, b.report_id), GREATEST(a.report_id, b.report_id), 'same_face', max(l.similarity)::float8
            FROM face_detections mine
            JOIN face_links l ON mine.id IN (l.face1, l.face2)
            JOIN face_detections other ON other.id = CASE WHEN l.face1 = mine.id THEN l.face2 ELSE l.face1 END
            JOIN image_reports a ON a.image_id = mine.image_id
            JOIN image_reports b ON b.image_id = other.image_id
            WHERE mine.image_id = \(imageID) AND a.report_id <> b.report_id
            GROUP BY 1, 2
            """, imageID: imageID, on: connection)
    }

    /// Upserts the candidate connections and returns those inserted now (`xmax = 0`): the new
    /// ones, for the caller to announce (`TimelineRepository.announce`).
    private func record(_ candidates: PostgresQuery, imageID: UUID, on connection: PostgresConnection) async throws -> [NewReportLink] {
        var query: PostgresQuery = "WITH candidates (report1, report2, kind, strength) AS ("
        query.sql += candidates.sql
        query.binds = candidates.binds
        query.sql += """
            ) INSERT INTO report_links (report1, report2, kind, strength)
            SELECT report1, report2, kind, strength FROM candidates
            ON CONFLICT (report1, report2, kind) DO UPDATE SET strength = GREATEST(report_links.strength, EXCLUDED.strength)
            RETURNING report1, report2, kind, strength, (xmax = 0) AS inserted
            """
        var fresh: [NewReportLink] = []
        for try await (first, second, kind, strength, inserted) in try await connection.query(query, logger: logger)
            .decode((String, String, String, Double, Bool).self)
        {
            guard inserted, let kind = ReportLinkKind(rawValue: kind) else { continue }
            fresh.append(NewReportLink(reports: (first, second), kind: kind, strength: strength, imageID: imageID))
        }
        return fresh
    }

    /// One piece of evidence connecting `report` to `other`.
    public struct Evidence: Sendable, Equatable {
        public var other: String
        /// The other report's approval state.
        public var otherStatus: String
        public var kind: ReportLinkKind
        public var strength: Double
        /// This report's image and the other report's image (the same id for `sameImage`).
        public var image: UUID
        public var otherImage: UUID
        public var hashType: String?
        public var distance: Int?
        /// Near-duplicates: every hash's distance and the rule's confidence.
        public var distances: HashDistances?
        public var confidence: Double?
        public var reviewStatus: String?
        public var face: UUID?
        public var otherFace: UUID?
    }

    /// Everything that connects `report` to other reports (pairs judged `different` do not count);
    /// `approvedOnly` keeps other reports that are approved.
    public func evidence(for report: String, approvedOnly: Bool) async throws -> [Evidence] {
        let rows = try await client.query(
            """
            SELECT e.*, r.status FROM (
            SELECT b.report_id, 'same_image', 1.0::float8, a.image_id, b.image_id, NULL::text, NULL::int, NULL::text, NULL::uuid, NULL::uuid,
                   NULL::int, NULL::int, NULL::int, NULL::float8
            FROM image_reports a JOIN image_reports b ON b.image_id = a.image_id AND b.report_id <> a.report_id
            WHERE a.report_id = \(report)
            UNION ALL
            SELECT b.report_id, 'near_duplicate', d.similarity,
                   a.image_id, b.image_id, 'pdq', d.pdq_distance, d.status, NULL::uuid, NULL::uuid,
                   d.ahash_distance, d.dhash_distance, d.phash_distance, d.confidence
            FROM image_reports a
            JOIN image_duplicates d ON a.image_id IN (d.image1_id, d.image2_id) AND d.status <> 'different'
            JOIN image_reports b ON b.image_id = CASE WHEN d.image1_id = a.image_id THEN d.image2_id ELSE d.image1_id END
            WHERE a.report_id = \(report) AND b.report_id <> a.report_id
            UNION ALL
            SELECT b.report_id, 'same_face', l.similarity::float8, mine.image_id, other.image_id, NULL, NULL, NULL, mine.id, other.id,
                   NULL, NULL, NULL, NULL
            FROM image_reports a
            JOIN face_detections mine ON mine.image_id = a.image_id
            JOIN face_links l ON mine.id IN (l.face1, l.face2)
            JOIN face_detections other ON other.id = CASE WHEN l.face1 = mine.id THEN l.face2 ELSE l.face1 END
            JOIN image_reports b ON b.image_id = other.image_id
            WHERE a.report_id = \(report) AND b.report_id <> a.report_id
            ) AS e (other, kind, strength, image, other_image, hash_type, distance, review, face, other_face, ahash, dhash, phash, confidence)
            JOIN reports r ON r.id = e.other
            WHERE NOT \(approvedOnly) OR r.status = 'approved'
            """, logger: logger)
        var evidence: [Evidence] = []
        for try await row in rows.decode(
            (String, String, Double, UUID, UUID, String?, Int?, String?, UUID?, UUID?, Int?, Int?, Int?, Double?, String).self)
        {
            guard let kind = ReportLinkKind(rawValue: row.1) else { continue }
            var distances: HashDistances?
            if let a = row.10, let d = row.11, let p = row.12, let q = row.6 { distances = HashDistances(ahash: a, dhash: d, phash: p, pdq: q) }
            evidence.append(Evidence(other: row.0, otherStatus: row.14, kind: kind, strength: row.2, image: row.3, otherImage: row.4,
                                     hashType: row.5, distance: row.6, distances: distances, confidence: row.13, reviewStatus: row.7,
                                     face: row.8, otherFace: row.9))
        }
        return evidence
    }
}
