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
    /// reports answers with the first approved one it was added to). `index` proposes candidates;
    /// they are ranked here exactly, on the stored vectors. When too few of them pass the report
    /// filter, a pool four times larger is tried, until the pool's weakest cannot reach
    /// `minSimilarity` or `maxCandidates` were tried.
    ///
    /// - Parameter refreshed: the caller brought `index` up to date for this question itself
    ///   (`refresh(_:)`), e.g. while it analysed the query photo.
    public func search(_ vector: [Float], index: FaceIndex, refreshed: Bool = false, minSimilarity: Double, limit: Int) async throws -> [Match] {
        var pool = Self.candidates(limit)
        // Unless the caller refreshed, the refresh's round trip overlaps the first scan.
        var candidates = refreshed
            ? await index.nearest(to: vector, count: pool)
            : try await index.nearest(to: vector, count: pool, refreshingWith: client)
        while true {
            let matches = try await search(vector, among: candidates.map(\.faceID), minSimilarity: minSimilarity, limit: limit)
            let weakest = candidates.last?.similarity ?? -1
            if matches.count >= limit || candidates.count < pool || weakest < minSimilarity - Self.int8Slack || pool >= Self.maxCandidates {
                return matches
            }
            pool = min(4 * pool, Self.maxCandidates)
            candidates = await index.nearest(to: vector, count: pool)
        }
    }

    /// Brings `index` up to date with this database (`FaceIndex.refresh`).
    public func refresh(_ index: FaceIndex) async throws {
        try await index.refresh(client)
    }

    /// Candidates asked of the index for `limit` answers: the exact top 10 at 1M synthetic faces
    /// is always among 50 (`facepipe bench faces --search-only`).
    public static func candidates(_ limit: Int) -> Int { max(50, 5 * limit) }
    /// The most candidates one search ranks (pgvector's HNSW iterative scan stopped at 20,000 too).
    public static let maxCandidates = 20_000
    /// How far below `minSimilarity` the pool's weakest int8 similarity must fall before no
    /// larger pool is tried: int8 similarities of unit vectors sit within about 0.005 of the
    /// exact ones (`FaceVectorIndexTests`), ten times less than this.
    static let int8Slack = 0.05

    /// `search(_:index:…)` among the given faces only.
    public func search(_ vector: [Float], among candidates: [UUID], minSimilarity: Double, limit: Int) async throws -> [Match] {
        guard !candidates.isEmpty else { return [] }
        return try await client.execute(RankCandidates(vector: vector, candidates: candidates, minSimilarity: minSimilarity, limit: limit),
                                        logger: logger)
    }

    /// The exact ranking behind every face search, prepared: planning it took about 0.6 ms of
    /// the 1 ms it runs (`bench faces --search-only`). The vector goes as `real[]` in binary.
    struct RankCandidates: PostgresPreparedStatement {
        static let sql = """
            SELECT id, image_id, report_id, similarity, thumb, blurred, perpetrator_name, identity_id FROM (
                SELECT f.id, f.image_id, (SELECT identity_id FROM face_identities fi WHERE fi.face_id = f.id) AS identity_id, r.id AS report_id, 1 - (f.embedding <=> $1::real[]::vector) AS similarity,
                       i.thumbnails->>'medium' AS thumb, i.thumbnails->>'blurred' AS blurred, r.perpetrator_name
                FROM face_detections f
                JOIN images i ON i.id = f.image_id
                JOIN LATERAL (
                    SELECT r.id, r.perpetrator_name FROM image_reports ir JOIN reports r ON r.id = ir.report_id
                    WHERE ir.image_id = f.image_id AND r.status = 'approved'
                    ORDER BY ir.added_at LIMIT 1
                ) r ON true
                WHERE f.id = ANY($2::uuid[]) AND f.embedding IS NOT NULL
                ORDER BY f.embedding <=> $1::real[]::vector
                LIMIT $4
            ) nearest
            WHERE similarity >= $3
            ORDER BY similarity DESC
            """
        typealias Row = Match

        var vector: [Float]
        var candidates: [UUID]
        var minSimilarity: Double
        var limit: Int

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 4)
            bindings.append(vector)
            bindings.append(candidates)
            bindings.append(minSimilarity)
            bindings.append(limit)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Match {
            let (face, image, report, similarity, thumb, blurred, name, identity) = try row.decode(
                (UUID, UUID, String, Double, String?, String?, String?, UUID?).self)
            return Match(faceID: face, imageID: image, reportID: report, similarity: similarity, thumbnailKey: thumb,
                         blurredThumbnailKey: blurred, perpetratorName: name, identityID: identity)
        }
    }

    /// pgvector's text form: `[x,y,…]`.
    public static func literal(_ vector: [Float]) -> String {
        "[" + vector.map { String($0) }.joined(separator: ",") + "]"
    }
}
