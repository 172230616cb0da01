/// A denser HNSW graph for face search than pgvector's default (m 16, ef_construction 64).
/// Measured at 1M identity-clustered vectors on 2 cores (`facepipe bench faces`): m 24 /
/// ef_construction 128 gave recall@10 0.893 at ef_search 200 and 0.944 at 400; ef_construction
/// 200 gives 0.913 and 0.948 for 1.3× the build time. A halfvec index was 28% smaller but no
/// faster, so vectors stay full precision. (Figures from plain ORDER BY queries in SQL; the
/// bench's own run through FaceRepository.search is in the issue-5 note.)
let m0003FaceIndex = Migration(
    version: 3, name: "face_index_m24",
    statements: [
        "DROP INDEX face_detections_embedding",
        """
        CREATE INDEX face_detections_embedding ON face_detections
            USING hnsw (embedding vector_cosine_ops) WITH (m = 24, ef_construction = 200)
        """,
    ])
