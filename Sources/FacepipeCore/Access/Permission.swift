/// Everything a caller may be allowed to do. Services name one of these before they act;
/// `AccessPolicy` says which role it takes.
public enum Permission: String, Sendable, CaseIterable {
    case readHealth
    case readGallery
    /// The body of a direct upload: the URL's signature is the credential (whoever announced it
    /// at upload-init needed `upload`).
    case signedUpload
    /// Follow one anonymous upload with its receipt (the receipt is the credential).
    case followReceipt
    case upload
    case readImages
    case readDuplicates
    case readReports
    case searchFaces
    case readQueue
    /// Names and faces in face-search answers without masking.
    case seeUnmasked
    /// Signed URLs to originals (which may carry GPS and device data).
    case viewOriginals
    /// The processing timeline (events): admin-only data.
    case readTimeline
    case reprocess
    case reviewDuplicates
    /// A face's estimated age and gender.
    case readFaceAttributes
    /// Split faces off an identity, merge two identities.
    case correctIdentities
    /// Face search with a `minSimilarity` below the calibrated "possible match" floor, where
    /// different people score as similar (an analyst's look at the tail, not an answer).
    case searchBelowMatchFloor
    case setReports
    /// Cancel and retry jobs.
    case manageJobs
    case manageKeys
    case readAudit
    case erase
    case readMetrics
}
