/// Estimated age and gender per face (`FACE_ATTRIBUTES`, off by default): estimates from
/// appearance, admin-only in answers; NULL when the feature is off or the face predates it.
let m0013FaceAttributes = Migration(
    version: 13, name: "face_attributes",
    statements: [
        """
        ALTER TABLE face_detections
            ADD COLUMN estimated_age real CHECK (estimated_age >= 0),
            ADD COLUMN estimated_gender text CHECK (estimated_gender IN ('female', 'male')),
            ADD COLUMN gender_confidence real CHECK (gender_confidence BETWEEN 0 AND 1)
        """,
    ])
