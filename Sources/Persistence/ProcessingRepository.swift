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
    /// nil when face detection did not run (disabled or unavailable).
    public var faces: [DetectedFace]?

    public init(width: Int, height: Int, thumbnails: [String: String], safeMetadata: String, hashes: ImageHashes,
                faces: [DetectedFace]? = nil) {
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

    public func markFailed(_ id: UUID, error: String, jobID: Int64, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            WITH failed AS (
                UPDATE images SET status = 'failed', error = \(error), updated_at = now() WHERE id = \(id) RETURNING id
            )
            INSERT INTO events (image_id, job_id, type, data)
            SELECT id, \(jobID), 'image.failed', jsonb_build_object('error', \(error)) FROM failed
            """, logger: logger)
    }

    /// Locks the image row for the rest of the caller's transaction (erasure waits for it);
    /// false when the image no longer exists.
    public func lock(_ id: UUID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT 1 FROM images WHERE id = \(id) FOR NO KEY UPDATE", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Stores results and duplicate pairs and marks the image done, in the caller's transaction.
    public func saveResults(_ id: UUID, _ result: ProcessingResult, duplicates: [DuplicateMatch], jobID: Int64,
                            on connection: PostgresConnection) async throws {
        let thumbnails = String(decoding: try JSONEncoder().encode(result.thumbnails), as: UTF8.self)
        let hashes = result.hashes
        try await connection.query(
            """
            UPDATE images SET status = 'done', error = NULL, width = \(result.width), height = \(result.height),
                thumbnails = \(thumbnails)::jsonb, safe_meta = \(result.safeMetadata)::jsonb,
                ahash = \(PerceptualHash.hex(hashes.ahash)), dhash = \(PerceptualHash.hex(hashes.dhash)),
                phash = \(PerceptualHash.hex(hashes.phash)), pdq = \(hashes.pdq.hex), pdq_quality = \(hashes.pdqQuality),
                processed_at = clock_timestamp(), updated_at = now()
            WHERE id = \(id)
            """, logger: logger)
        if let faces = result.faces {
            try await replaceFaces(id, faces, on: connection)
        }
        if !duplicates.isEmpty {
            let others = duplicates.map(\.otherImageID)
            let types = duplicates.map(\.hashType.rawValue)
            let distances = duplicates.map(\.distance)
            let mirrored = duplicates.map(\.mirrored)
            try await connection.query(
                """
                INSERT INTO image_duplicates (image1_id, image2_id, hash_type, hamming_distance, mirrored)
                SELECT LEAST(\(id), other), GREATEST(\(id), other), type, distance, flipped
                FROM unnest(\(others)::uuid[], \(types)::text[], \(distances)::int8[], \(mirrored)::bool[]) AS t(other, type, distance, flipped)
                WHERE other <> \(id)
                ON CONFLICT (image1_id, image2_id, hash_type)
                DO UPDATE SET hamming_distance = EXCLUDED.hamming_distance, mirrored = EXCLUDED.mirrored
                """, logger: logger)
        }
        let summary = """
            {"thumbnails":\(result.thumbnails.count),"phash":"\(PerceptualHash.hex(hashes.phash))","pdq_quality":\(hashes.pdqQuality),"duplicates":\(duplicates.count)}
            """
        try await connection.query(
            "INSERT INTO events (image_id, job_id, type, data) VALUES (\(id), \(jobID), 'image.processed', \(summary)::jsonb)",
            logger: logger)
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
            let box = #"{"x":\#(face.x),"y":\#(face.y),"width":\#(face.width),"height":\#(face.height)}"#
            let landmarks = String(decoding: try JSONEncoder().encode(face.landmarks), as: UTF8.self)
            let cropFace = try face.cropFace.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            try await connection.query(
                """
                INSERT INTO face_detections (image_id, face_index, bbox, confidence, landmarks, crop_key, crop_face)
                VALUES (\(id), \(face.index), \(box)::jsonb, \(Float(face.confidence)), \(landmarks)::jsonb, \(face.cropKey),
                        \(cropFace)::jsonb)
                """, logger: logger)
        }
        try await connection.query(
            "UPDATE images SET has_faces = \(!faces.isEmpty), face_count = \(faces.count) WHERE id = \(id)", logger: logger)
    }

    public struct StoredHashes: Sendable {
        public var id: UUID
        public var hashes: ImageHashes
        public var processedAt: Date
    }

    /// Hashes of every finished image processed after `since` (all when nil), oldest first.
    public func hashes(processedAfter since: Date?) async throws -> [StoredHashes] {
        let rows = try await client.query(
            """
            SELECT id, ahash, dhash, phash, pdq, coalesce(pdq_quality, 0), processed_at FROM images
            WHERE status = 'done' AND phash IS NOT NULL AND processed_at IS NOT NULL
              AND (\(since)::timestamptz IS NULL OR processed_at > \(since))
            ORDER BY processed_at
            """, logger: logger)
        var result: [StoredHashes] = []
        for try await (id, a, d, p, pdq, quality, at) in rows.decode((UUID, String, String, String, String, Int, Date).self) {
            guard let a = PerceptualHash.parseHex(a), let d = PerceptualHash.parseHex(d), let p = PerceptualHash.parseHex(p),
                  let pdq = PDQHash(hex: pdq)
            else { continue }
            result.append(StoredHashes(id: id, hashes: ImageHashes(ahash: a, dhash: d, phash: p, pdq: pdq, pdqQuality: quality),
                                       processedAt: at))
        }
        return result
    }
}
