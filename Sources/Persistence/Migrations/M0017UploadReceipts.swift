/// Receipts for anonymous uploads (seed 002's public mode): the SHA-256 of a token only the
/// visitor holds, and the image it lets them follow. Erasing the image removes its receipts.
let m0017UploadReceipts = Migration(
    version: 17, name: "upload_receipts",
    statements: [
        """
        CREATE TABLE upload_receipts (
            token_sha256 text PRIMARY KEY,
            image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL
        )
        """,
        "CREATE INDEX upload_receipts_image ON upload_receipts (image_id)",
        "CREATE INDEX upload_receipts_expires ON upload_receipts (expires_at)",
    ])
