/// Report membership with its own approval (issue 22): who created each report, and additions
/// to a report by someone other than an admin or its creator kept apart until an admin
/// approves them. `image_reports` stays "the approved memberships", so face search, report
/// links, identity look-ups and webhooks, which all read it, see approved evidence only.
let m0014PendingEvidence = Migration(
    version: 14, name: "pending_evidence",
    statements: [
        "ALTER TABLE reports ADD COLUMN created_by text",
        """
        CREATE TABLE pending_report_images (
            image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
            report_id text NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            added_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            added_by text,
            request_id text,
            blur_faces boolean NOT NULL DEFAULT false,
            PRIMARY KEY (image_id, report_id)
        )
        """,
        "CREATE INDEX pending_report_images_report ON pending_report_images (report_id, added_at DESC)",
        // A direct upload decides membership when its body arrives: keep the announcer's role.
        "ALTER TABLE upload_intents ADD COLUMN created_by_role text",
    ])
