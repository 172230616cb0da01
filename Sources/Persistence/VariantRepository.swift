import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// All SQL for `processed_variants`: asking for a copy (deduplicated by image + pipeline +
/// options digest), its seed-002 status, its result and timeline entries.
public struct VariantRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public struct Request: Sendable, Equatable {
        public var variantID: UUID
        /// The job already working on it (nil: the caller must queue one and `attach` it).
        public var jobID: Int64?
        public var status: ImageStatus
        /// False when the same options were asked for before and that copy is queued, running or done.
        public var isNew: Bool
    }

    /// Finds or creates the variant, in the caller's transaction. A failed variant asked for again
    /// goes back to `queued` (and needs a job); a queued, running or finished one is returned as is.
    public func request(_ imageID: UUID, _ settings: AnonymizeSettings, requestedBy: String?,
                        on connection: PostgresConnection) async throws -> Request {
        let rows = try await connection.query(
            """
            WITH inserted AS (
                INSERT INTO processed_variants (image_id, pipeline, options, options_digest, requested_by)
                VALUES (\(imageID), 'anonymize', \(settings.canonicalJSON)::jsonb, \(settings.digest), \(requestedBy))
                ON CONFLICT (image_id, pipeline, options_digest) DO NOTHING
                RETURNING id, job_id, status, true AS fresh
            ), retried AS (
                UPDATE processed_variants SET status = 'queued', error = NULL, job_id = NULL, updated_at = clock_timestamp()
                WHERE image_id = \(imageID) AND pipeline = 'anonymize' AND options_digest = \(settings.digest)
                  AND status = 'failed' AND NOT EXISTS (SELECT 1 FROM inserted)
                RETURNING id, job_id, status, true AS fresh
            )
            SELECT * FROM inserted
            UNION ALL SELECT * FROM retried
            UNION ALL
            SELECT id, job_id, status, false FROM processed_variants
            WHERE image_id = \(imageID) AND pipeline = 'anonymize' AND options_digest = \(settings.digest)
              AND NOT EXISTS (SELECT 1 FROM inserted) AND NOT EXISTS (SELECT 1 FROM retried)
            """, logger: logger)
        for try await (id, jobID, status, fresh) in rows.decode((UUID, Int64?, String, Bool).self) {
            return Request(variantID: id, jobID: jobID, status: ImageStatus(rawValue: status) ?? .queued, isNew: fresh)
        }
        // Another transaction is inserting the same variant and has not committed yet.
        throw APIError(status: 409, code: "request_in_progress", message: "the same copy is being requested right now; retry shortly")
    }

    /// Records the job that makes the variant; returns the variant's options as stored (JSON
    /// text), nil when the variant is gone.
    public func attach(_ variantID: UUID, jobID: Int64, on connection: PostgresConnection) async throws -> String? {
        let rows = try await connection.query(
            """
            UPDATE processed_variants SET job_id = \(jobID), updated_at = clock_timestamp() WHERE id = \(variantID)
            RETURNING options::text
            """, logger: logger)
        for try await options in rows.decode(String.self) { return options }
        return nil
    }

    /// The variant a job made or was making (`markProcessing` records the job): how a job queued
    /// before copies had rows, whose payload names none, finds its copy.
    public func variantID(madeBy jobID: Int64) async throws -> UUID? {
        let rows = try await client.query("SELECT id FROM processed_variants WHERE job_id = \(jobID) LIMIT 1", logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    public func find(_ id: UUID) async throws -> ProcessedVariant? {
        let rows = try await client.query("SELECT \(unescaped: Self.columns) FROM processed_variants WHERE id = \(id)", logger: logger)
        for try await row in rows { return try Self.variant(row) }
        return nil
    }

    /// Every variant of each image, oldest first (for list and detail answers, in one query).
    public func variants(of imageIDs: [UUID]) async throws -> [UUID: [ProcessedVariant]] {
        guard !imageIDs.isEmpty else { return [:] }
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM processed_variants
            WHERE image_id = ANY(\(imageIDs)::uuid[]) ORDER BY created_at, id
            """, logger: logger)
        var result: [UUID: [ProcessedVariant]] = [:]
        for try await row in rows {
            let variant = try Self.variant(row)
            result[variant.imageID, default: []].append(variant)
        }
        return result
    }

    public func markProcessing(_ id: UUID, jobID: Int64) async throws {
        try await client.query(
            """
            UPDATE processed_variants SET status = 'processing', error = NULL, job_id = \(jobID), updated_at = clock_timestamp()
            WHERE id = \(id) AND status <> 'done'
            """, logger: logger)
    }

    /// The copy is stored: records it with its verification, in the caller's transaction (the one
    /// that holds the image row). Returns the variant's options as stored, nil when it is gone.
    public func saveDone(_ id: UUID, key: String, verification: ProcessedVariant.Verification, jobID: Int64,
                         on connection: PostgresConnection) async throws -> String? {
        let v = verification
        let rows = try await connection.query(
            """
            UPDATE processed_variants SET status = 'done', media_key = \(key), faces_masked = \(v.facesMasked),
                detections_on_output = \(v.detectionsOnOutput), faces_left = \(v.facesLeft), error = NULL,
                job_id = \(jobID), finished_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE id = \(id) RETURNING options::text
            """, logger: logger)
        for try await options in rows.decode(String.self) { return options }
        return nil
    }

    /// False when the variant is gone.
    /// False when the variant is gone, is not `image`'s, or is `done` (a slow worker stored the
    /// copy after the reaper had given its job up).
    public func markFailed(_ id: UUID, of image: UUID, error: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE processed_variants SET status = 'failed', error = \(error), finished_at = clock_timestamp(),
                updated_at = clock_timestamp()
            WHERE id = \(id) AND image_id = \(image) AND status <> 'done' RETURNING id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    static let columns = """
        id, image_id, pipeline, options::text, status, media_key, faces_masked, detections_on_output, faces_left, error, \
        job_id, created_at, finished_at
        """

    static func variant(_ row: PostgresRow) throws -> ProcessedVariant {
        let c = row.makeRandomAccess()
        let options = try c[3].decode(String.self)
        let overrides = try JSONDecoder().decode(AnonymizeSettings.Overrides.self, from: Data(options.utf8))
        let masked = try c[6].decode(Int?.self), detections = try c[7].decode(Int?.self), left = try c[8].decode(Int?.self)
        var verification: ProcessedVariant.Verification?
        if let masked, let detections, let left {
            verification = .init(facesMasked: masked, detectionsOnOutput: detections, facesLeft: left)
        }
        return ProcessedVariant(
            id: try c[0].decode(UUID.self), imageID: try c[1].decode(UUID.self),
            pipeline: ProcessedVariant.Pipeline(rawValue: try c[2].decode(String.self)) ?? .anonymize,
            settings: try AnonymizeSettings.resolve(overrides, over: .deface),
            status: ImageStatus(rawValue: try c[4].decode(String.self)) ?? .failed, mediaKey: try c[5].decode(String?.self),
            verification: verification, error: try c[9].decode(String?.self), jobID: try c[10].decode(Int64?.self),
            createdAt: try c[11].decode(Date.self), finishedAt: try c[12].decode(Date?.self))
    }
}
