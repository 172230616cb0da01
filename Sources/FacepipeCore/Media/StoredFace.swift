import Foundation

/// A stored detection, as the embed job and the image page need it.
public struct StoredFace: Sendable {
    public var id: UUID
    public var index: Int
    /// In upright original-image pixels.
    public var box: FaceBox
    public var cropKey: String?
    /// The face inside the crop (rows written before migration 4 have none).
    public var faceInCrop: FaceBox?
    /// The person it was grouped with (`IdentityRepository`), once embedded.
    public var identityID: UUID?
    /// With `FACE_ATTRIBUTES` on; admin-only in answers.
    public var attributes: FaceAttributes?

    public init(id: UUID, index: Int, box: FaceBox, cropKey: String?, faceInCrop: FaceBox?, identityID: UUID?, attributes: FaceAttributes?) {
        self.id = id
        self.index = index
        self.box = box
        self.cropKey = cropKey
        self.faceInCrop = faceInCrop
        self.identityID = identityID
        self.attributes = attributes
    }
}
