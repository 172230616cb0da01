/// Evidence documents (PDF, TIFF, single-page scans). Each page is rendered into an image of its
/// own (`images`, with its report links, hashes, faces, embeddings and anonymized copies), so a
/// re-used page links reports exactly as a re-used photo does; `document_pages` says which
/// image is which page of which document.
let m0009Documents = Migration(
    version: 9, name: "documents",
    statements: [
        """
        CREATE TABLE documents (
            id uuid PRIMARY KEY,
            sha256 text NOT NULL UNIQUE,
            mime text NOT NULL,
            bytes bigint NOT NULL,
            page_count integer NOT NULL CHECK (page_count >= 1),
            original_key text NOT NULL,
            report_id text REFERENCES reports (id) ON DELETE SET NULL,
            status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'done', 'failed')),
            error text,
            requested_by text,
            created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            rendered_at timestamptz
        )
        """,
        "CREATE INDEX documents_created ON documents (created_at DESC, id DESC)",
        """
        CREATE TABLE document_reports (
            document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            report_id text NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            added_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (document_id, report_id)
        )
        """,
        """
        CREATE TABLE document_pages (
            document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            page_number integer NOT NULL CHECK (page_number >= 1),
            image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
            dpi real,
            PRIMARY KEY (document_id, page_number)
        )
        """,
        "CREATE INDEX document_pages_image ON document_pages (image_id)",
    ])
