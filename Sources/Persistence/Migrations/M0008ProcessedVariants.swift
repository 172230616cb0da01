import FacepipeCore

/// Anonymized copies as variants of an image: one row per (image, pipeline, options digest), so
/// the same request twice finds the first copy (seed 002: "deduplication via SHA-256 +
/// pipeline"; an image is unique by SHA-256). Each carries its own seed-002 status and the
/// verification of its output. The single `images.processed_key` becomes the first variant.
let m0008ProcessedVariants = Migration(
    version: 8, name: "processed_variants",
    statements: [
        """
        CREATE TABLE processed_variants (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
            pipeline text NOT NULL CHECK (pipeline IN ('anonymize')),
            options jsonb NOT NULL,
            options_digest text NOT NULL,
            status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'done', 'failed')),
            media_key text,
            faces_masked integer,
            detections_on_output integer,
            faces_left integer,
            error text,
            job_id bigint,
            requested_by text,
            created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            finished_at timestamptz,
            UNIQUE (image_id, pipeline, options_digest)
        )
        """,
        // GET /images?anonymizeStatus=…: images with a variant in that state.
        "CREATE INDEX processed_variants_status ON processed_variants (status, image_id)",
        """
        INSERT INTO processed_variants (image_id, pipeline, options, options_digest, status, media_key, finished_at)
        SELECT id, 'anonymize', '\(legacy.canonicalJSON)'::jsonb, '\(legacy.digest)', 'done', processed_key, updated_at
        FROM images WHERE processed_key IS NOT NULL
        """,
        "ALTER TABLE images DROP COLUMN processed_key",
    ])

/// What the anonymize job made before variants: blurred ellipses at the pipeline's threshold.
private let legacy = AnonymizeSettings(replacewith: .blur, boxes: false, maskScale: 1.3, threshold: 0.5, scale: nil,
                                       mosaicSize: 20)
