import Foundation

/// One processed copy of an image (today: an anonymized one), with seed 002's status model
/// (`queued → processing → done | failed`) and, once done, what verification found.
public struct ProcessedVariant: Sendable, Equatable {
    public enum Pipeline: String, Sendable, Codable, CaseIterable {
        case anonymize
    }

    public var id: UUID
    public var imageID: UUID
    public var pipeline: Pipeline
    public var settings: AnonymizeSettings
    public var status: ImageStatus
    /// Where the output is (`processed/YYYY/MM/{image}-{digest}.{ext}`), once done.
    public var mediaKey: String?
    public var verification: Verification?
    public var error: String?
    public var jobID: Int64?
    public var createdAt: Date
    public var finishedAt: Date?

    public init(id: UUID, imageID: UUID, pipeline: Pipeline, settings: AnonymizeSettings, status: ImageStatus,
                mediaKey: String?, verification: Verification?, error: String?, jobID: Int64?, createdAt: Date,
                finishedAt: Date?) {
        self.id = id
        self.imageID = imageID
        self.pipeline = pipeline
        self.settings = settings
        self.status = status
        self.mediaKey = mediaKey
        self.verification = verification
        self.error = error
        self.jobID = jobID
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }

    /// May be shown to anyone (the public gallery): a finished copy that masks faces and in
    /// which verification found no face left. An unverified or `none` copy never is.
    public var isPubliclyShowable: Bool {
        status == .done && settings.replacewith != .none && verification?.verified == true
    }

    /// The detector run again on the output, at the variant's threshold.
    public struct Verification: Sendable, Equatable {
        /// Faces found on the original and masked.
        public var facesMasked: Int
        /// Everything the detector reports on the output, including hits on the masks themselves
        /// (CenterFace fires on blurred ellipses at low thresholds).
        public var detectionsOnOutput: Int
        /// Detections on the output outside every mask: faces the copy may still show.
        public var facesLeft: Int
        /// No face left.
        public var verified: Bool { facesLeft == 0 }

        public init(facesMasked: Int, detectionsOnOutput: Int, facesLeft: Int) {
            self.facesMasked = facesMasked
            self.detectionsOnOutput = detectionsOnOutput
            self.facesLeft = facesLeft
        }
    }
}
