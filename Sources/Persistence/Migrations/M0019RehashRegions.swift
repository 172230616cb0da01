/// The centre region grows from 90 % to 92.5 % of each side (a 5 % crop then sits as close to
/// it as a 10 % crop does), the content box also cuts at the edge of an app's one-colour bar,
/// and the weaker image of a pair may have 4/5 of the quality floor (a darker copy): every stored
/// image's regions are hashed again and linked by today's rule, by the `relink_duplicates` job
/// (queued here unless one is already under way; it hashes from the originals, oldest first).
let m0019RehashRegions = Migration(
    version: 19, name: "rehash_regions",
    statements: [
        """
        INSERT INTO jobs (kind, payload, dedupe_key, max_attempts)
        SELECT 'relink_duplicates', '{}', 'relink_duplicates', 10
        WHERE EXISTS (SELECT 1 FROM images WHERE status = 'done')
          AND NOT EXISTS (SELECT 1 FROM jobs WHERE kind = 'relink_duplicates' AND status IN ('queued', 'running'))
        """,
    ])
