/// Callers and privacy: API keys, the append-only audit log, the registry of every file stored
/// for an image (so erasure walks one table), erasure tombstones, and the report's display name.
let m0005Access = Migration(
    version: 5, name: "access",
    statements: [
        """
        CREATE TABLE api_keys (
            id uuid PRIMARY KEY,
            -- The key's first characters after "fp_": found by index, then the hash is compared.
            lookup text NOT NULL UNIQUE,
            secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
            role text NOT NULL CHECK (role IN ('standard', 'gold', 'admin')),
            name text NOT NULL,
            created_by text,
            created_at timestamptz NOT NULL DEFAULT now(),
            last_used_at timestamptz,
            revoked_at timestamptz
        )
        """,
        """
        CREATE TABLE audit_log (
            id bigserial PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT clock_timestamp(),
            actor text NOT NULL,
            role text NOT NULL,
            address text,
            action text NOT NULL,
            target text,
            request_id text,
            data jsonb NOT NULL DEFAULT '{}'
        )
        """,
        "CREATE INDEX audit_log_action ON audit_log (action, id DESC)",
        "CREATE INDEX audit_log_actor ON audit_log (actor, id DESC)",
        // Append-only, enforced by the database itself: no UPDATE, DELETE or TRUNCATE gets through.
        """
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only';
        END
        $$
        """,
        """
        CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
        """,
        """
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
        """,
        // No foreign key: the rows must outlive the image row until erasure has deleted the files.
        """
        CREATE TABLE image_files (
            image_id uuid NOT NULL,
            kind text NOT NULL,
            key text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (image_id, key)
        )
        """,
        "INSERT INTO image_files (image_id, kind, key) SELECT id, 'original', original_key FROM images",
        """
        INSERT INTO image_files (image_id, kind, key)
        SELECT id, 'thumbnail', t.value FROM images, jsonb_each_text(thumbnails) AS t
        ON CONFLICT DO NOTHING
        """,
        """
        INSERT INTO image_files (image_id, kind, key)
        SELECT image_id, 'face_crop', crop_key FROM face_detections WHERE crop_key IS NOT NULL
        ON CONFLICT DO NOTHING
        """,
        """
        INSERT INTO image_files (image_id, kind, key)
        SELECT id, 'processed', processed_key FROM images WHERE processed_key IS NOT NULL
        ON CONFLICT DO NOTHING
        """,
        // Tombstones: what was erased, when and by whom. Files are gone once completed_at is set.
        """
        CREATE TABLE erasures (
            image_id uuid PRIMARY KEY,
            sha256 char(64) NOT NULL,
            requested_by text NOT NULL,
            requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            completed_at timestamptz
        )
        """,
        "CREATE INDEX erasures_sha256 ON erasures (sha256)",
        "CREATE INDEX erasures_requested ON erasures (requested_at)",
        "ALTER TABLE reports ADD COLUMN perpetrator_name text",
        // Direct uploads remember who announced them (the PUT itself carries only a signature) and
        // whether the image is for the public gallery.
        "ALTER TABLE upload_intents ADD COLUMN created_by text",
        "ALTER TABLE upload_intents ADD COLUMN is_public boolean NOT NULL DEFAULT false",
        "CREATE INDEX images_public ON images (created_at DESC, id) WHERE is_public AND status = 'done'",
        // Who asked for a job (key id or token subject, never a secret), for its logs.
        "ALTER TABLE jobs ADD COLUMN requested_by text",
    ])
