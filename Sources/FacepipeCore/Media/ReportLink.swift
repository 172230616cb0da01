import Foundation

/// How two reports are connected, strongest first: the very same file, an edited copy
/// (near-duplicate hashes), or the same person's face in different photos.
public enum ReportLinkKind: String, Sendable, Codable, CaseIterable, Comparable {
    case sameImage = "same_image"
    case nearDuplicate = "near_duplicate"
    case sameFace = "same_face"

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A connection between two reports seen for the first time (what `report.linked` announces).
public struct NewReportLink: Sendable, Equatable {
    public var reports: (String, String)
    public var kind: ReportLinkKind
    /// 1 for the same file; 1 − distance/bits for near-duplicates; cosine similarity for faces.
    public var strength: Double
    /// The image whose upload, processing or embedding made the connection.
    public var imageID: UUID

    public init(reports: (String, String), kind: ReportLinkKind, strength: Double, imageID: UUID) {
        self.reports = reports
        self.kind = kind
        self.strength = strength
        self.imageID = imageID
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.reports == rhs.reports && lhs.kind == rhs.kind && lhs.strength == rhs.strength && lhs.imageID == rhs.imageID
    }
}
