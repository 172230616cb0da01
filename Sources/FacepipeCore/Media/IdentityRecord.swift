import Foundation

/// A person as grouped from their faces: what `GET /identities/{id}` shows.
public struct IdentityRecord: Sendable {
    public var id: UUID
    public var createdAt: Date
    public var updatedAt: Date
    public var faces: [Face]
    /// Every report holding one of its images, with the report's status; oldest link first.
    public var reports: [(id: String, status: String)]
    /// Identities an admin said are someone else.
    public var separatedFrom: [UUID]

    public init(id: UUID, createdAt: Date, updatedAt: Date, faces: [Face], reports: [(id: String, status: String)], separatedFrom: [UUID]) {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.faces = faces
        self.reports = reports
        self.separatedFrom = separatedFrom
    }

    public struct Face: Sendable, Equatable {
        public var id: UUID
        public var imageID: UUID
        public var index: Int
        /// An admin put it here.
        public var pinned: Bool
        /// Its image is in at least one approved report (what callers below admin may see).
        public var approved: Bool
        /// The image's medium thumbnail, and the same with every face blurred.
        public var thumbnailKey: String?
        public var blurredThumbnailKey: String?
        /// This face's own square crop (private: for those who may see faces).
        public var cropKey: String?

        public init(id: UUID, imageID: UUID, index: Int, pinned: Bool, approved: Bool, thumbnailKey: String?,
                    blurredThumbnailKey: String?, cropKey: String? = nil) {
            self.id = id
            self.imageID = imageID
            self.index = index
            self.pinned = pinned
            self.approved = approved
            self.thumbnailKey = thumbnailKey
            self.blurredThumbnailKey = blurredThumbnailKey
            self.cropKey = cropKey
        }
    }
}
