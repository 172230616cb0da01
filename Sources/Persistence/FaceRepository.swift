import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// Face rows: boxes for embedding, embeddings, and nearest-neighbour search with pgvector.
public struct FaceRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func faces(of imageID: UUID) async throws -> [StoredFace] {
        let rows = try await client.query(
            """
            SELECT id, face_index, (bbox->>'x')::float8, (bbox->>'y')::float8, (bbox->>'width')::float8, (bbox->>'height')::float8,
                   crop_key, ARRAY(SELECT jsonb_array_elements_text(crop_face)::float8),
                   (SELECT identity_id FROM face_identities fi WHERE fi.face_id = f.id),
                   estimated_age::float8, estimated_gender, gender_confidence::float8
            FROM face_detections f WHERE image_id = \(imageID) ORDER BY face_index
            """, logger: logger)
        var result: [StoredFace] = []
        for try await (id, index, x, y, w, h, cropKey, cropFace, identity, age, gender, confidence) in rows.decode(
            (UUID, Int, Double, Double, Double, Double, String?, [Double], UUID?, Double?, String?, Double?).self)
        {
            var attributes: FaceAttributes?
            if let age, let gender = gender.flatMap(FaceAttributes.Gender.init(rawValue:)), let confidence {
                attributes = FaceAttributes(age: age, gender: gender, genderConfidence: confidence)
            }
            result.append(StoredFace(id: id, index: index, box: FaceBox(x: x, y: y, width: w, height: h), cropKey: cropKey,
                                     faceInCrop: FaceBox(array: cropFace), identityID: identity, attributes: attributes))
        }
        return result
    }

    /// - Parameter attributes: by face index; a face without one gets NULL (the feature is off).
    public func saveEmbeddings(_ embeddings: [(Int, [Float])], attributes: [Int: FaceAttributes] = [:], imageID: UUID,
                               on connection: PostgresConnection) async throws {
        for (index, vector) in embeddings {
            let estimate = attributes[index]
            try await connection.query(
                """
                UPDATE face_detections SET embedding = \(Self.literal(vector))::vector,
                    estimated_age = \(estimate.map { Float($0.age) }), estimated_gender = \(estimate?.gender.rawValue),
                    gender_confidence = \(estimate.map { Float($0.genderConfidence) })
                WHERE image_id = \(imageID) AND face_index = \(index)
                """, logger: logger)
        }
    }

    public struct Match: Sendable, Equatable {
        public var faceID: UUID
        public var imageID: UUID
        public var reportID: String
        public var similarity: Double
        public var thumbnailKey: String?
        /// The same thumbnail with every face blurred (for callers who may not see faces).
        public var blurredThumbnailKey: String?
        public var perpetratorName: String?
        public var identityID: UUID?
    }

    /// Nearest faces by cosine similarity among images in an approved report (an image in several
    /// reports answers with the first approved one it was added to).
    /// - Parameter efSearch: the HNSW candidate list; benchmarks try others than the default.
    public func search(_ vector: [Float], minSimilarity: Double, limit: Int, efSearch: Int = Self.efSearch) async throws -> [Match] {
        try await client.withTransaction(logger: logger) { connection in
            try await Self.prepareSearch(on: connection, efSearch: efSearch, logger: logger)
            let rows = try await connection.query(
                """
                SELECT id, image_id, report_id, similarity, thumb, blurred, perpetrator_name, identity_id FROM (
                    SELECT f.id, f.image_id, (SELECT identity_id FROM face_identities fi WHERE fi.face_id = f.id) AS identity_id, r.id AS report_id, 1 - (f.embedding <=> \(Self.literal(vector))::vector) AS similarity,
                           i.thumbnails->>'medium' AS thumb, i.thumbnails->>'blurred' AS blurred, r.perpetrator_name
                    FROM face_detections f
                    JOIN images i ON i.id = f.image_id
                    JOIN LATERAL (
                        SELECT r.id, r.perpetrator_name FROM image_reports ir JOIN reports r ON r.id = ir.report_id
                        WHERE ir.image_id = f.image_id AND r.status = 'approved'
                        ORDER BY ir.added_at LIMIT 1
                    ) r ON true
                    WHERE f.embedding IS NOT NULL
                    ORDER BY f.embedding <=> \(Self.literal(vector))::vector
                    LIMIT \(limit)
                ) nearest
                WHERE similarity >= \(minSimilarity)
                ORDER BY similarity DESC
                """, logger: logger)
            var matches: [Match] = []
            for try await (face, image, report, similarity, thumb, blurred, name, identity) in rows.decode(
                (UUID, UUID, String, Double, String?, String?, String?, UUID?).self)
            {
                matches.append(Match(faceID: face, imageID: image, reportID: report, similarity: similarity, thumbnailKey: thumb,
                                     blurredThumbnailKey: blurred, perpetratorName: name, identityID: identity))
            }
            return matches
        }
    }

    /// HNSW candidate list size for searches. `facepipe bench faces` at 1M synthetic faces spread
    /// like dlib's (same person ≈ 0.96, others ≈ 0.82), through this query: ef 200 / 300 / 400 /
    /// 500 find 0.82 / 0.88 / 0.91 / 0.94 of the exact top 10 and 89 / 93 / 94 / 97 % of the
    /// same-person faces above the match threshold. A denser graph (m 32, ef_construction 256)
    /// finds 0.946 at ef 300 and 0.964 at 400, at p95 32 and 43 ms on two cores, and makes
    /// every insert dearer; see the README's face search figures before changing either.
    public static let efSearch = 400

    /// Settings every nearest-face query runs with, for the rest of the caller's transaction.
    static func prepareSearch(on connection: PostgresConnection, efSearch: Int = Self.efSearch, logger: Logger) async throws {
        // Keep scanning the HNSW graph until enough rows pass the query's filters (pgvector 0.8).
        try await connection.query("SET LOCAL hnsw.iterative_scan = relaxed_order", logger: logger)
        // A far wider candidate list than pgvector's default 40: recall matters more than milliseconds here.
        try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL hnsw.ef_search = \(efSearch)"), logger: logger)
    }

    /// pgvector's text form: `[x,y,…]`.
    static func literal(_ vector: [Float]) -> String {
        "[" + vector.map { String($0) }.joined(separator: ",") + "]"
    }
}
