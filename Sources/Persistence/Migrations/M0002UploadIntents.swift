/// Direct uploads (`POST /upload-init`): what the client announced, so the signed PUT that
/// follows can be validated against it and used once.
let m0002UploadIntents = Migration(
    version: 2, name: "upload_intents",
    statements: [
        """
        CREATE TABLE upload_intents (
            id uuid PRIMARY KEY,
            filename text NOT NULL,
            content_type text NOT NULL,
            declared_bytes bigint,
            report_id text,
            blur_faces boolean NOT NULL DEFAULT false,
            expires_at timestamptz NOT NULL,
            image_id uuid REFERENCES images (id) ON DELETE SET NULL,
            used_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX upload_intents_expiry ON upload_intents (expires_at) WHERE used_at IS NULL",
    ])
