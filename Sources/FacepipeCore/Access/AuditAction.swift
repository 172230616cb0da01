import Foundation

/// What the audit log records: actions on people's data and on who may act. The processing
/// timeline (`events`) is separate and goes with its image on erasure; these entries stay.
public enum AuditAction: String, Sendable, Codable, CaseIterable {
    /// Any face search, by anyone: the query image's SHA-256 (or the identity searched by) and
    /// the image ids returned.
    case faceSearch = "face_search"
    /// A signed URL to an original was handed out.
    case originalViewed = "original_viewed"
    case reportStatusChanged = "report_status_changed"
    /// Evidence added to a report that existed before (pending unless an admin or the report's
    /// creator added it), and an admin's decision on a pending addition.
    case reportEvidenceAdded = "report_evidence_added"
    case reportEvidenceReviewed = "report_evidence_reviewed"
    case duplicateReviewed = "duplicate_reviewed"
    /// An admin split faces off an identity or merged two.
    case identityCorrected = "identity_corrected"
    case imageErased = "image_erased"
    case reportErased = "report_erased"
    case imageReprocessed = "image_reprocessed"
    case jobCancelled = "job_cancelled"
    case jobRetried = "job_retried"
    case keyCreated = "key_created"
    case keyRevoked = "key_revoked"
    /// Invalid credentials from one address, at most one entry per address per minute (with a count).
    case loginFailed = "login_failed"
}

/// One audit entry as written and as `GET /audit` shows it.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var actor: String
    public var role: String
    public var address: String?
    public var action: String
    public var target: String?
    public var requestID: String?
    /// JSON object text.
    public var data: String

    public init(id: Int64, at: Date, actor: String, role: String, address: String?, action: String, target: String?,
                requestID: String?, data: String) {
        self.id = id
        self.at = at
        self.actor = actor
        self.role = role
        self.address = address
        self.action = action
        self.target = target
        self.requestID = requestID
        self.data = data
    }
}
