import Foundation

/// A report as the platform set it: approval state (face search only sees approved reports) and
/// the display name of the person it accuses.
public struct ReportRecord: Sendable, Equatable {
    public var id: String
    public var status: String
    public var perpetratorName: String?
    public var updatedAt: Date
    public var imageCount: Int
    /// Most recently added first (filled where asked for).
    public var imageIDs: [UUID] = []
    /// The people whose faces are in its images (`IdentityRepository.identities(inReport:)`).
    public var identityIDs: [UUID] = []
    /// Images waiting for an admin to approve their addition (admins only).
    public var pendingImageIDs: [UUID] = []

    public init(id: String, status: String, perpetratorName: String?, updatedAt: Date, imageCount: Int) {
        self.id = id
        self.status = status
        self.perpetratorName = perpetratorName
        self.updatedAt = updatedAt
        self.imageCount = imageCount
    }
}
