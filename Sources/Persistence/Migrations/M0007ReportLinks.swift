/// Evidence that links reports: an image belongs to every report it was uploaded to
/// (`image_reports`), faces of different images that match (`face_links`), and the connections
/// between reports already announced (`report_links`: one `report.linked` event per new one).
let m0007ReportLinks = Migration(
    version: 7, name: "report_links",
    statements: [
        """
        CREATE TABLE image_reports (
            image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
            report_id text NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            added_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            added_by text,
            request_id text,
            blur_faces boolean NOT NULL DEFAULT false,
            PRIMARY KEY (image_id, report_id)
        )
        """,
        "CREATE INDEX image_reports_report ON image_reports (report_id, added_at DESC)",
        """
        INSERT INTO image_reports (image_id, report_id, added_at, blur_faces)
        SELECT id, report_id, created_at, blur_faces FROM images WHERE report_id IS NOT NULL
        """,
        """
        CREATE TABLE face_links (
            face1 uuid NOT NULL REFERENCES face_detections (id) ON DELETE CASCADE,
            face2 uuid NOT NULL REFERENCES face_detections (id) ON DELETE CASCADE,
            similarity real NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CHECK (face1 < face2),
            PRIMARY KEY (face1, face2)
        )
        """,
        "CREATE INDEX face_links_face2 ON face_links (face2)",
        """
        CREATE TABLE report_links (
            report1 text NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            report2 text NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            kind text NOT NULL CHECK (kind IN ('same_image', 'near_duplicate', 'same_face')),
            strength double precision NOT NULL,
            first_seen timestamptz NOT NULL DEFAULT now(),
            CHECK (report1 < report2),
            PRIMARY KEY (report1, report2, kind)
        )
        """,
        "CREATE INDEX report_links_report2 ON report_links (report2)",
    ])
