/// Face search, report links and identities find their nearest faces in memory (`FaceIndex`,
/// `FaceVectorIndex`): the HNSW graph goes. At 1M faces it found 0.909 of the exact top 10 at
/// p95 ≈ 30 ms, and each embedding saved cost 20–34 ms to insert into it.
///
/// `embedded_at` tells each process's index which faces are new. A trigger sets it whenever a
/// vector is written (by any writer, tests and tools included), with the time of the write
/// rather than of the transaction's start, so it is close to the commit.
let m0020FaceIndexInMemory = Migration(
    version: 20, name: "face_index_in_memory",
    statements: [
        "ALTER TABLE face_detections ADD COLUMN embedded_at timestamptz",
        "UPDATE face_detections SET embedded_at = now() WHERE embedding IS NOT NULL",
        "CREATE INDEX face_detections_embedded_at ON face_detections (embedded_at)",
        """
        CREATE FUNCTION face_detections_embedded_at() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.embedded_at := CASE WHEN NEW.embedding IS NULL THEN NULL ELSE clock_timestamp() END;
            RETURN NEW;
        END
        $$
        """,
        """
        CREATE TRIGGER face_detections_embedded_at BEFORE INSERT OR UPDATE OF embedding ON face_detections
            FOR EACH ROW EXECUTE FUNCTION face_detections_embedded_at()
        """,
        "DROP INDEX face_detections_embedding",
    ])
