/// Near-duplicates of cropped and captioned copies (issue 23): besides the picture inside a
/// frame, an image's centre and upper part are hashed and stored (`ImageRegion`), so
/// `images.content_hashes` becomes `images.region_hashes`, an object keyed by region
/// (`{"content": {…}, "centre": {…}, "upper": {…}}`), and `matched_by` gains `cropped` and
/// `captioned`.
///
/// Images stored before have no centre or upper hashes yet: a `relink_duplicates` run (queued
/// here unless one is already under way) hashes every image again from its original, stores
/// its regions and links it by today's rule, oldest first.
let m0018RegionHashes = Migration(
    version: 18, name: "region_hashes",
    statements: [
        "ALTER TABLE images RENAME COLUMN content_hashes TO region_hashes",
        "UPDATE images SET region_hashes = jsonb_build_object('content', region_hashes) WHERE region_hashes IS NOT NULL",
        "ALTER TABLE image_duplicates DROP CONSTRAINT image_duplicates_matched_by_check",
        """
        ALTER TABLE image_duplicates ADD CONSTRAINT image_duplicates_matched_by_check
            CHECK (matched_by IN ('own', 'mirrored', 'turned', 'content', 'cropped', 'captioned'))
        """,
        """
        INSERT INTO jobs (kind, payload, dedupe_key, max_attempts)
        SELECT 'relink_duplicates', '{}', 'relink_duplicates', 10
        WHERE EXISTS (SELECT 1 FROM images WHERE status = 'done')
          AND NOT EXISTS (SELECT 1 FROM jobs WHERE kind = 'relink_duplicates' AND status IN ('queued', 'running'))
        """,
    ])
