/// Near-duplicate pairs found through the mirror image's hash (one image is a flipped copy of
/// the other) say so.
let m0011MirroredPairs = Migration(
    version: 11, name: "mirrored_pairs",
    statements: [
        "ALTER TABLE image_duplicates ADD COLUMN mirrored boolean NOT NULL DEFAULT false",
    ])
