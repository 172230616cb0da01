/// Face rows deleted while they had a vector (an image processed again replaces its faces), so
/// that every process's `FaceIndex` drops them at its next refresh instead of keeping them as
/// candidates until it restarts: a re-run of detection on every image would otherwise leave each
/// face twice in memory, the old copy taking a candidate's place in every search that finds it.
///
/// One row per face, stamped with the deleting transaction's id as `embedded_xid` is. Rows older
/// than a day go at the next delete: a process refreshes at least every 30 s, so only one cut off
/// from the database for a day would miss any, and then only keeps a candidate SQL never returns.
let m0021FaceRemovals = Migration(
    version: 21, name: "face_removals",
    statements: [
        """
        CREATE TABLE face_removals (
            face_id uuid NOT NULL,
            removed_xid bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
            removed_at timestamptz NOT NULL DEFAULT clock_timestamp()
        )
        """,
        "CREATE INDEX face_removals_removed_xid ON face_removals (removed_xid)",
        "CREATE INDEX face_removals_removed_at ON face_removals (removed_at)",
        """
        CREATE FUNCTION face_detections_removed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- An erased image's faces are not kept even as ids: erasures carry the image instead.
            INSERT INTO face_removals (face_id)
                SELECT g.id FROM gone g WHERE g.embedding IS NOT NULL AND EXISTS (SELECT 1 FROM images i WHERE i.id = g.image_id);
            -- Rows another transaction is pruning are skipped, never waited for: a delete must
            -- not queue behind (or deadlock with) an unrelated one.
            DELETE FROM face_removals WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM face_removals WHERE removed_at < clock_timestamp() - interval '1 day'
                LIMIT 1000 FOR UPDATE SKIP LOCKED));
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER face_detections_removed AFTER DELETE ON face_detections
            REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION face_detections_removed()
        """,
    ])
