/// Near-duplicates become evidence (issue 23): one row per image pair with every hash's distance,
/// which hashes matched (`matched_by`: the images' own, or a mirrored, turned or content key),
/// the link's similarity and confidence, instead of one row per hash type within 10 bits.
///
/// Pairs the old rule made are not carried over unless a person reviewed them (a confirmed pair
/// stays evidence, a pair judged different stays judged). The `relink_duplicates` job (queued here when there are images) then hashes
/// every image again and links them by the calibrated rule, oldest first, as if uploaded anew, so
/// an upgraded deployment loses its false links and keeps its true ones. `images.hashed_at` says
/// when an image's stored hashes last changed (workers' duplicate indexes refresh by it);
/// `images.content_hashes` holds the hashes of the picture inside an image's frame.
let m0016DuplicatePairs = Migration(
    version: 16, name: "duplicate_pairs",
    statements: [
        "ALTER TABLE image_duplicates RENAME TO image_duplicates_by_hash",
        "ALTER INDEX image_duplicates_status RENAME TO image_duplicates_by_hash_status",
        "ALTER INDEX image_duplicates_image2 RENAME TO image_duplicates_by_hash_image2",
        """
        CREATE TABLE image_duplicates (
            id bigserial PRIMARY KEY,
            image1_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
            image2_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
            ahash_distance integer NOT NULL,
            dhash_distance integer NOT NULL,
            phash_distance integer NOT NULL,
            pdq_distance integer NOT NULL,
            mirrored boolean NOT NULL DEFAULT false,
            matched_by text NOT NULL DEFAULT 'own' CHECK (matched_by IN ('own', 'mirrored', 'turned', 'content')),
            similarity double precision NOT NULL,
            confidence double precision NOT NULL,
            status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'different')),
            reviewed_by text,
            reviewed_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            CHECK (image1_id < image2_id),
            UNIQUE (image1_id, image2_id)
        )
        """,
        "CREATE INDEX image_duplicates_status ON image_duplicates (status, confidence DESC, id DESC)",
        "CREATE INDEX image_duplicates_image2 ON image_duplicates (image2_id)",
        // Reviewed pairs only, one per image pair: confirmed wins over different; distances
        // from the stored hashes (the relink job refreshes them).
        """
        INSERT INTO image_duplicates (image1_id, image2_id, ahash_distance, dhash_distance, phash_distance, pdq_distance,
                                      mirrored, similarity, confidence, status, reviewed_by, reviewed_at, created_at)
        SELECT DISTINCT ON (d.image1_id, d.image2_id) d.image1_id, d.image2_id,
               bit_count(('x' || a.ahash)::bit(64) # ('x' || b.ahash)::bit(64)),
               bit_count(('x' || a.dhash)::bit(64) # ('x' || b.dhash)::bit(64)),
               bit_count(('x' || a.phash)::bit(64) # ('x' || b.phash)::bit(64)),
               bit_count(('x' || a.pdq)::bit(256) # ('x' || b.pdq)::bit(256)),
               d.mirrored,
               1 - bit_count(('x' || a.phash)::bit(64) # ('x' || b.phash)::bit(64))::float8 / 64,
               -- DuplicateRule.confidence at the default thresholds (PDQ 60, pHash 8).
               greatest(0, least(1, 1 - (bit_count(('x' || a.pdq)::bit(256) # ('x' || b.pdq)::bit(256))::float8 / 60
                                          + bit_count(('x' || a.phash)::bit(64) # ('x' || b.phash)::bit(64))::float8 / 8) / 4)),
               d.status, d.reviewed_by, d.reviewed_at, d.created_at
        FROM image_duplicates_by_hash d
        JOIN images a ON a.id = d.image1_id AND a.phash IS NOT NULL AND a.pdq IS NOT NULL
        JOIN images b ON b.id = d.image2_id AND b.phash IS NOT NULL AND b.pdq IS NOT NULL
        WHERE d.status <> 'pending'
        ORDER BY d.image1_id, d.image2_id, (d.status = 'confirmed') DESC, d.reviewed_at DESC NULLS LAST
        """,
        "DROP TABLE image_duplicates_by_hash",
        "ALTER TABLE images ADD COLUMN hashed_at timestamptz",
        "ALTER TABLE images ADD COLUMN content_hashes jsonb",
        "UPDATE images SET hashed_at = processed_at WHERE processed_at IS NOT NULL",
        "CREATE INDEX images_hashed_at ON images (hashed_at) WHERE status = 'done'",
        "CREATE INDEX images_processed_order ON images (processed_at, id) WHERE status = 'done'",
        """
        INSERT INTO jobs (kind, payload, dedupe_key, max_attempts)
        SELECT 'relink_duplicates', '{}', 'relink_duplicates', 10
        WHERE EXISTS (SELECT 1 FROM images WHERE status = 'done')
        """,
    ])
