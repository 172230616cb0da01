/// Where the face sits inside its stored crop, so `embed_faces` can embed from the crop
/// (a few KB) instead of fetching and decoding the original (MBs) a second time.
let m0004FaceCropBox = Migration(
    version: 4, name: "face_crop_box",
    statements: [
        "ALTER TABLE face_detections ADD COLUMN crop_face jsonb",
    ])
