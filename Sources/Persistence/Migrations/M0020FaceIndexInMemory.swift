/// Face search, report links and identities find their nearest faces in memory (`FaceIndex`,
/// `FaceVectorIndex`): the HNSW graph goes. At 1M faces it found 0.909 of the exact top 10 at
/// p95 ≈ 30 ms, and each embedding saved cost 20–34 ms to insert into it.
///
/// `embedded_xid` tells each process's index which faces are new: the writing transaction's id,
/// set by a trigger whenever a vector is written (by any writer, tests and tools included);
/// `erasures.recorded_xid` does the same for erasures. A reader has seen every row whose
/// transaction had ended when its snapshot was taken, so it next reads only the transactions
/// that had not (`FaceIndex.refresh`). A time would not do: it is taken before the commit, so an
/// older stamp can become visible after a newer one has been read.
let m0020FaceIndexInMemory = Migration(
    version: 20, name: "face_index_in_memory",
    statements: [
        "ALTER TABLE face_detections ADD COLUMN embedded_xid bigint",
        "UPDATE face_detections SET embedded_xid = pg_current_xact_id()::text::bigint WHERE embedding IS NOT NULL",
        "CREATE INDEX face_detections_embedded_xid ON face_detections (embedded_xid)",
        """
        CREATE FUNCTION face_detections_embedded_xid() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.embedded_xid := CASE WHEN NEW.embedding IS NULL THEN NULL ELSE pg_current_xact_id()::text::bigint END;
            RETURN NEW;
        END
        $$
        """,
        """
        CREATE TRIGGER face_detections_embedded_xid BEFORE INSERT OR UPDATE OF embedding ON face_detections
            FOR EACH ROW EXECUTE FUNCTION face_detections_embedded_xid()
        """,
        "ALTER TABLE erasures ADD COLUMN recorded_xid bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint",
        "CREATE INDEX erasures_recorded_xid ON erasures (recorded_xid)",
        "DROP INDEX face_detections_embedding",
    ])
