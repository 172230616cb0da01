/// The first schema: reports, images (seed 000's images and seed 002's evidence images in one
/// table), the job queue, the processing timeline, faces with pgvector, duplicate pairs.
let m0001Initial = Migration(
    version: 1, name: "initial",
    statements: [
        "CREATE EXTENSION IF NOT EXISTS vector",
        """
        CREATE TABLE reports (
            id text PRIMARY KEY,
            status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE images (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            report_id text REFERENCES reports (id) ON DELETE SET NULL,
            pipeline text NOT NULL DEFAULT 'default',
            sha256 char(64) NOT NULL,
            mime text NOT NULL,
            bytes bigint NOT NULL CHECK (bytes >= 0),
            width integer,
            height integer,
            original_key text NOT NULL,
            processed_key text,
            thumbnails jsonb NOT NULL DEFAULT '{}',
            phash char(16),
            ahash char(16),
            dhash char(16),
            pdq char(64),
            pdq_quality integer,
            safe_meta jsonb NOT NULL DEFAULT '{}',
            has_faces boolean,
            face_count integer,
            blur_faces boolean NOT NULL DEFAULT false,
            is_public boolean NOT NULL DEFAULT false,
            status text NOT NULL DEFAULT 'uploaded'
                CHECK (status IN ('uploaded', 'queued', 'processing', 'done', 'failed')),
            error text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            processed_at timestamptz,
            UNIQUE (pipeline, sha256)
        )
        """,
        "CREATE INDEX images_status_created ON images (status, created_at DESC, id)",
        "CREATE INDEX images_created ON images (created_at DESC, id)",
        "CREATE INDEX images_report ON images (report_id)",
        """
        CREATE TABLE jobs (
            id bigserial PRIMARY KEY,
            image_id uuid REFERENCES images (id) ON DELETE CASCADE,
            kind text NOT NULL,
            payload jsonb NOT NULL DEFAULT '{}',
            status text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
            priority integer NOT NULL DEFAULT 0,
            run_at timestamptz NOT NULL DEFAULT now(),
            attempts integer NOT NULL DEFAULT 0,
            max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
            claimed_by text,
            claimed_at timestamptz,
            lease_until timestamptz,
            dedupe_key text,
            correlation_id text,
            error_log jsonb NOT NULL DEFAULT '[]',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz
        )
        """,
        // The claim query walks this index: ready jobs by priority, then age.
        "CREATE INDEX jobs_ready ON jobs (priority DESC, run_at, id) WHERE status = 'queued'",
        // The lease reaper walks this one.
        "CREATE INDEX jobs_leases ON jobs (lease_until) WHERE status = 'running'",
        // The same work is never queued twice at once; finished jobs free the key for reprocessing.
        """
        CREATE UNIQUE INDEX jobs_dedupe_active ON jobs (dedupe_key)
            WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running')
        """,
        "CREATE INDEX jobs_image ON jobs (image_id) WHERE image_id IS NOT NULL",
        "CREATE INDEX jobs_status_kind ON jobs (status, kind)",
        """
        CREATE TABLE events (
            id bigserial PRIMARY KEY,
            image_id uuid REFERENCES images (id) ON DELETE CASCADE,
            job_id bigint,
            at timestamptz NOT NULL DEFAULT clock_timestamp(),
            type text NOT NULL,
            data jsonb NOT NULL DEFAULT '{}'
        )
        """,
        "CREATE INDEX events_image ON events (image_id, id) WHERE image_id IS NOT NULL",
        "CREATE INDEX events_job ON events (job_id, id) WHERE job_id IS NOT NULL",
        """
        CREATE TABLE face_detections (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
            face_index integer NOT NULL,
            bbox jsonb NOT NULL,
            confidence real NOT NULL,
            landmarks jsonb,
            embedding vector(128),
            crop_key text,
            created_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (image_id, face_index)
        )
        """,
        "CREATE INDEX face_detections_embedding ON face_detections USING hnsw (embedding vector_cosine_ops)",
        """
        CREATE TABLE image_duplicates (
            id bigserial PRIMARY KEY,
            image1_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
            image2_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
            hash_type text NOT NULL,
            hamming_distance integer NOT NULL,
            status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'different')),
            reviewed_by text,
            reviewed_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            CHECK (image1_id < image2_id),
            UNIQUE (image1_id, image2_id, hash_type)
        )
        """,
        "CREATE INDEX image_duplicates_status ON image_duplicates (status, created_at DESC)",
        "CREATE INDEX image_duplicates_image2 ON image_duplicates (image2_id)",
    ])
