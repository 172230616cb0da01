/// Face identities: the faces believed to be one person, grouped as they are embedded.
/// - `identities`: one row per person (no name: the platform's reports say who is who).
/// - `face_identities`: the identity each face belongs to (set by embed_faces). A table of its
///   own, not a column of `face_detections`: changing an indexed column there rewrites the row,
///   and each rewrite adds an entry to the faces' HNSW index; a merge moves many faces at once.
/// - `identity_pins`: an admin's correction, "this face is this identity". Keyed by image and
///   face index, not face id, because processing an image again replaces its face rows; the
///   next embedding puts the face back where the admin put it.
/// - `identity_separations`: an admin split these two identities; no automatic pass merges them.
let m0012Identities = Migration(
    version: 12, name: "identities",
    statements: [
        """
        CREATE TABLE identities (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE face_identities (
            face_id uuid PRIMARY KEY REFERENCES face_detections (id) ON DELETE CASCADE,
            identity_id uuid NOT NULL REFERENCES identities (id) ON DELETE CASCADE
        )
        """,
        "CREATE INDEX face_identities_identity ON face_identities (identity_id)",
        """
        CREATE TABLE identity_pins (
            image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
            face_index integer NOT NULL,
            identity_id uuid NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
            pinned_by text,
            pinned_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (image_id, face_index)
        )
        """,
        "CREATE INDEX identity_pins_identity ON identity_pins (identity_id)",
        """
        CREATE TABLE identity_separations (
            identity1 uuid NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
            identity2 uuid NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
            separated_by text,
            separated_at timestamptz NOT NULL DEFAULT now(),
            CHECK (identity1 < identity2),
            PRIMARY KEY (identity1, identity2)
        )
        """,
        "CREATE INDEX identity_separations_identity2 ON identity_separations (identity2)",
    ])
