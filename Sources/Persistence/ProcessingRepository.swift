import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// What the process_image job writes back.
public struct ProcessingResult: Sendable {
    public var width: Int
    public var height: Int
    public var thumbnails: [String: String]
    /// JSON object text (safe metadata only).
    public var safeMetadata: String
    public var hashes: ImageHashes
    /// The hashes of the image's regions (`ImageFingerprint.regions`).
    public var regionHashes: [ImageRegion: ImageHashes]
    /// nil when face detection did not run (disabled or unavailable).
    public var faces: [DetectedFace]?

    public init(width: Int, height: Int, thumbnails: [String: String], safeMetadata: String, hashes: ImageHashes,
                faces: [DetectedFace]? = nil, regionHashes: [ImageRegion: ImageHashes] = [:]) {
        self.regionHashes = regionHashes
        self.width = width
        self.height = height
        self.thumbnails = thumbnails
        self.safeMetadata = safeMetadata
        self.hashes = hashes
        self.faces = faces
    }
}

/// SQL for processing outcomes: image results, hash loading for the duplicate index, and the
/// near-duplicate pairs.
public struct ProcessingRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func markProcessing(_ id: UUID, jobID: Int64) async throws {
        try await client.query(
            "UPDATE images SET status = 'processing', error = NULL, updated_at = now() WHERE id = \(id)", logger: logger)
    }

    /// False when the image no longer exists or is `done`: a job the lease reaper failed while its
    /// worker, only slow, went on to store the result must not undo that result.
    public func markFailed(_ id: UUID, error: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "UPDATE images SET status = 'failed', error = \(error), updated_at = now() WHERE id = \(id) AND status <> 'done' RETURNING id",
            logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Locks the image row for the rest of the caller's transaction (erasure waits for it);
    /// false when the image no longer exists.
    public func lock(_ id: UUID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT 1 FROM images WHERE id = \(id) FOR NO KEY UPDATE", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Stores results and duplicate pairs and marks the image done, in the caller's transaction.
    public func saveResults(_ id: UUID, _ result: ProcessingResult, duplicates: [DuplicateMatch],
                            on connection: PostgresConnection) async throws {
        let thumbnails = String(decoding: try JSONEncoder().encode(result.thumbnails), as: UTF8.self)
        let hashes = result.hashes
        try await connection.query(
            """
            UPDATE images SET status = 'done', error = NULL, width = \(result.width), height = \(result.height),
                thumbnails = \(thumbnails)::jsonb, safe_meta = \(result.safeMetadata)::jsonb,
                ahash = \(PerceptualHash.hex(hashes.ahash)), dhash = \(PerceptualHash.hex(hashes.dhash)),
                phash = \(PerceptualHash.hex(hashes.phash)), pdq = \(hashes.pdq.hex), pdq_quality = \(hashes.pdqQuality),
                region_hashes = \(ImageFingerprint(hashes: hashes, regions: result.regionHashes).regionsJSON)::jsonb,
                processed_at = clock_timestamp(), hashed_at = clock_timestamp(), updated_at = now()
            WHERE id = \(id)
            """, logger: logger)
        if let faces = result.faces {
            try await replaceFaces(id, faces, on: connection)
        }
        try await savePairs(id, duplicates, on: connection)
    }

    /// Records the image's near-duplicates, one row per image pair. A pair found again keeps its
    /// review (a person's decision outlives a re-run) and takes the new evidence.
    public func savePairs(_ id: UUID, _ duplicates: [DuplicateMatch], on connection: PostgresConnection) async throws {
        guard !duplicates.isEmpty else { return }
        let others = duplicates.map(\.otherImageID)
        let ahash = duplicates.map(\.distances.ahash), dhash = duplicates.map(\.distances.dhash)
        let phash = duplicates.map(\.distances.phash), pdq = duplicates.map(\.distances.pdq)
        let mirrored = duplicates.map(\.mirrored), similarity = duplicates.map(\.strength), confidence = duplicates.map(\.confidence)
        let matchedBy = duplicates.map(\.matchedBy.rawValue)
        try await connection.query(
            """
            INSERT INTO image_duplicates (image1_id, image2_id, ahash_distance, dhash_distance, phash_distance, pdq_distance,
                                          mirrored, similarity, confidence, matched_by)
            SELECT LEAST(\(id), other), GREATEST(\(id), other), a, d, p, q, flipped, s, c, via
            FROM unnest(\(others)::uuid[], \(ahash)::int8[], \(dhash)::int8[], \(phash)::int8[], \(pdq)::int8[], \(mirrored)::bool[],
                        \(similarity)::float8[], \(confidence)::float8[], \(matchedBy)::text[]) AS t(other, a, d, p, q, flipped, s, c, via)
            WHERE other <> \(id)
            ON CONFLICT (image1_id, image2_id) DO UPDATE SET
                ahash_distance = EXCLUDED.ahash_distance, dhash_distance = EXCLUDED.dhash_distance,
                phash_distance = EXCLUDED.phash_distance, pdq_distance = EXCLUDED.pdq_distance, mirrored = EXCLUDED.mirrored,
                similarity = EXCLUDED.similarity, confidence = EXCLUDED.confidence, matched_by = EXCLUDED.matched_by
            """, logger: logger)
    }

    /// Drops the undecided pairs between the image and images processed before it that are not
    /// in `keeping` (the relink job: today's rule no longer links them). Pairs a person reviewed
    /// stay; pairs with later images are decided when those are relinked.
    public func prunePairs(_ id: UUID, keeping: [UUID], on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            DELETE FROM image_duplicates d
            USING images me, images other
            WHERE d.status = 'pending' AND me.id = \(id) AND \(id) IN (d.image1_id, d.image2_id)
              AND other.id = CASE WHEN d.image1_id = \(id) THEN d.image2_id ELSE d.image1_id END
              AND NOT other.id = ANY(\(keeping)::uuid[])
              AND (other.processed_at, other.id) < (me.processed_at, me.id)
            """, logger: logger)
    }

    /// Forgets near-duplicate connections between reports that no pair supports any more (after
    /// a relink), so a true pair found later is announced again.
    public func pruneNearDuplicateReportLinks() async throws {
        try await client.query(
            """
            DELETE FROM report_links l
            WHERE l.kind = 'near_duplicate' AND NOT EXISTS (
                SELECT 1 FROM image_duplicates d
                JOIN image_reports a ON a.image_id = d.image1_id
                JOIN image_reports b ON b.image_id = d.image2_id
                WHERE d.status <> 'different'
                  AND ((a.report_id = l.report1 AND b.report_id = l.report2) OR (a.report_id = l.report2 AND b.report_id = l.report1)))
            """, logger: logger)
    }

    /// An image's stored hashes (hex columns, `region_hashes` as JSON text); nil when any hash
    /// column is missing or not hex.
    static func fingerprint(ahash: String?, dhash: String?, phash: String?, pdq: String?, quality: Int, regions: String?)
        -> ImageFingerprint?
    {
        guard let a = ahash.flatMap(PerceptualHash.parseHex), let d = dhash.flatMap(PerceptualHash.parseHex),
              let p = phash.flatMap(PerceptualHash.parseHex), let pdq = pdq.flatMap(PDQHash.init(hex:)) else { return nil }
        return ImageFingerprint(hashes: ImageHashes(ahash: a, dhash: d, phash: p, pdq: pdq, pdqQuality: quality),
                                regions: ImageFingerprint.regions(fromJSON: regions))
    }

    /// Rows of (id, ahash, dhash, phash, pdq, quality, region_hashes, at) as stored hashes.
    static func storedHashes(_ rows: some AsyncSequence<PostgresRow, any Error>) async throws -> [StoredHashes] {
        var result: [StoredHashes] = []
        for try await (id, a, d, p, pdq, quality, regions, at) in rows.decode((UUID, String, String, String, String, Int, String?, Date).self) {
            guard let fingerprint = fingerprint(ahash: a, dhash: d, phash: p, pdq: pdq, quality: quality, regions: regions) else { continue }
            result.append(StoredHashes(id: id, fingerprint: fingerprint, hashedAt: at))
        }
        return result
    }

    /// Stores hashes computed again (the relink job), marking them fresh for workers' indexes.
    public func updateHashes(_ id: UUID, _ fingerprint: ImageFingerprint, on connection: PostgresConnection) async throws {
        let hashes = fingerprint.hashes
        try await connection.query(
            """
            UPDATE images SET ahash = \(PerceptualHash.hex(hashes.ahash)), dhash = \(PerceptualHash.hex(hashes.dhash)),
                phash = \(PerceptualHash.hex(hashes.phash)), pdq = \(hashes.pdq.hex), pdq_quality = \(hashes.pdqQuality),
                region_hashes = \(fingerprint.regionsJSON)::jsonb, hashed_at = clock_timestamp()
            WHERE id = \(id) AND status = 'done'
            """, logger: logger)
    }

    /// The image's detections, replaced as a whole (a re-run must not leave stale faces).
    func replaceFaces(_ id: UUID, _ faces: [DetectedFace], on connection: PostgresConnection) async throws {
        // Identities are set again when the new faces are embedded (admins' pins survive in
        // identity_pins); one left empty by the replacement goes.
        let identities = IdentityRepository(client: client, logger: logger)
        let people = try await identities.identities(ofImage: id, on: connection)
        try await connection.query("DELETE FROM face_detections WHERE image_id = \(id)", logger: logger)
        try await identities.prune(people, on: connection)
        for face in faces {
            let b = face.box.array
            let box = #"{"x":\#(b[0]),"y":\#(b[1]),"width":\#(b[2]),"height":\#(b[3])}"#
            // As `[[x, y], …]`, the shape the column has always had.
            let points = face.detection.landmarks.map { [Double($0.x), Double($0.y)] }
            let landmarks = String(decoding: try JSONEncoder().encode(points), as: UTF8.self)
            let cropFace = try face.faceInCrop.map { String(decoding: try JSONEncoder().encode($0.array), as: UTF8.self) }
            try await connection.query(
                """
                INSERT INTO face_detections (image_id, face_index, bbox, confidence, landmarks, crop_key, crop_face)
                VALUES (\(id), \(face.index), \(box)::jsonb, \(face.detection.score), \(landmarks)::jsonb, \(face.cropKey),
                        \(cropFace)::jsonb)
                """, logger: logger)
        }
        try await connection.query(
            "UPDATE images SET has_faces = \(!faces.isEmpty), face_count = \(faces.count) WHERE id = \(id)", logger: logger)
    }

    public struct StoredHashes: Sendable {
        public var id: UUID
        public var fingerprint: ImageFingerprint
        public var hashedAt: Date
    }

    /// Hashes of every finished image hashed after `since` (all when nil), oldest first.
    public func hashes(hashedAfter since: Date?) async throws -> [StoredHashes] {
        let rows = try await client.query(
            """
            SELECT id, ahash, dhash, phash, pdq, coalesce(pdq_quality, 0), region_hashes::text, hashed_at FROM images
            WHERE status = 'done' AND phash IS NOT NULL AND hashed_at IS NOT NULL
              AND (\(since)::timestamptz IS NULL OR hashed_at > \(since))
            ORDER BY hashed_at, id
            """, logger: logger)
        return try await Self.storedHashes(rows)
    }

    /// Where the relink job has got to: the last image it linked, in processing order
    /// (`processed_at` in whole microseconds since 1970, exactly as stored, and the id).

    /// A finished image as the relink job reads it.
    public struct RelinkItem: Sendable {
        public var id: UUID
        public var originalKey: String
        public var stored: ImageFingerprint?
        public var cursor: RelinkCursor
    }

    /// The next finished images after `cursor` in processing order (oldest first).
    public func relinkBatch(after cursor: RelinkCursor?, limit: Int) async throws -> [RelinkItem] {
        let rows = try await client.query(
            """
            SELECT id, original_key, ahash, dhash, phash, pdq, coalesce(pdq_quality, 0), region_hashes::text,
                   (extract(epoch FROM processed_at) * 1000000)::int8 FROM images
            WHERE status = 'done' AND processed_at IS NOT NULL
              AND (\(cursor?.id)::uuid IS NULL OR ((extract(epoch FROM processed_at) * 1000000)::int8, id) > (\(cursor?.micros)::int8, \(cursor?.id)::uuid))
            ORDER BY processed_at, id LIMIT \(limit)
            """, logger: logger)
        var items: [RelinkItem] = []
        for try await (id, key, a, d, p, pdq, quality, regions, at) in rows.decode(
            (UUID, String, String?, String?, String?, String?, Int, String?, Int64).self)
        {
            let stored = Self.fingerprint(ahash: a, dhash: d, phash: p, pdq: pdq, quality: quality, regions: regions)
            items.append(RelinkItem(id: id, originalKey: key, stored: stored, cursor: RelinkCursor(micros: at, id: id)))
        }
        return items
    }

    /// Stored hashes of every finished image up to and including `cursor` in processing order
    /// (what the relink job has already linked).
    public func hashes(through cursor: RelinkCursor) async throws -> [StoredHashes] {
        let rows = try await client.query(
            """
            SELECT id, ahash, dhash, phash, pdq, coalesce(pdq_quality, 0), region_hashes::text, coalesce(hashed_at, processed_at) FROM images
            WHERE status = 'done' AND phash IS NOT NULL AND processed_at IS NOT NULL
              AND ((extract(epoch FROM processed_at) * 1000000)::int8, id) <= (\(cursor.micros)::int8, \(cursor.id)::uuid)
            """, logger: logger)
        return try await Self.storedHashes(rows)
    }
}
