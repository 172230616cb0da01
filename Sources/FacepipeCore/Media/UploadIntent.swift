import Foundation

/// A direct upload announced by `POST /upload-init`.
public struct UploadIntent: Sendable, Equatable {
    public var id: UUID
    public var filename: String
    public var contentType: String
    public var declaredBytes: Int64?
    public var reportID: String?
    public var blurFaces: Bool
    public var isPublic: Bool
    /// `Caller.id` of whoever announced it: the PUT that follows carries only a signature.
    public var createdBy: String?
    /// Their role then (whether their upload joins an existing report at once).
    public var createdByRole: Role?
    public var expiresAt: Date
    public var usedAt: Date?

    public init(id: UUID, filename: String, contentType: String, declaredBytes: Int64?, reportID: String?, blurFaces: Bool,
                isPublic: Bool = false, createdBy: String? = nil, createdByRole: Role? = nil, expiresAt: Date, usedAt: Date? = nil) {
        self.createdByRole = createdByRole
        self.isPublic = isPublic
        self.createdBy = createdBy
        self.id = id
        self.filename = filename
        self.contentType = contentType
        self.declaredBytes = declaredBytes
        self.reportID = reportID
        self.blurFaces = blurFaces
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}
