import Foundation

/// An evidence document: the original file's facts and its rendering status. Its pages are
/// images of their own (see `document_pages`).
public struct DocumentRecord: Sendable, Equatable {
    public var id: UUID
    public var sha256: String
    public var mime: String
    public var bytes: Int64
    public var pageCount: Int
    public var originalKey: String
    /// Every report it was uploaded to, oldest first.
    public var reports: [String]
    public var status: ImageStatus
    public var error: String?
    public var requestedBy: String?
    public var createdAt: Date
    public var renderedAt: Date?

    public init(id: UUID, sha256: String, mime: String, bytes: Int64, pageCount: Int, originalKey: String, reports: [String],
                status: ImageStatus, error: String?, requestedBy: String?, createdAt: Date, renderedAt: Date?) {
        self.id = id
        self.sha256 = sha256
        self.mime = mime
        self.bytes = bytes
        self.pageCount = pageCount
        self.originalKey = originalKey
        self.reports = reports
        self.status = status
        self.error = error
        self.requestedBy = requestedBy
        self.createdAt = createdAt
        self.renderedAt = renderedAt
    }
}
