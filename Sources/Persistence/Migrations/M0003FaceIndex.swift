/// A denser HNSW graph for face search. pgvector's defaults (m 16, ef_construction 64) gave
/// recall@10 0.95 at 100k identity-clustered vectors; m 24 / ef_construction 128 gives 0.99
/// there and keeps ≥ 0.95 at 1M (`facepipe bench faces`), for 3× the build cost per face —
/// small next to the 18 ms the embedding itself takes.
let m0003FaceIndex = Migration(
    version: 3, name: "face_index_m24",
    statements: [
        "DROP INDEX face_detections_embedding",
        """
        CREATE INDEX face_detections_embedding ON face_detections
            USING hnsw (embedding vector_cosine_ops) WITH (m = 24, ef_construction = 128)
        """,
    ])
