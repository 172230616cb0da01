import Foundation

/// The name of a timeline entry as stored in `events.type`. Every entry anyone writes has one of
/// these, so readers (the admin timeline, the reader allowlist, tests) match cases, not strings.
public enum TimelineEventType: String, Sendable, Codable, CaseIterable {
    // Uploads and reports.
    case uploaded = "image.uploaded"
    case typeCorrected = "upload.type_corrected"
    case scanSkipped = "image.scan_skipped"
    case virusDetected = "upload.virus_detected"
    case addedToReport = "image.added_to_report"
    case reportPending = "image.report_pending"
    case reportLinked = "report.linked"
    // Processing.
    case processed = "image.processed"
    case failed = "image.failed"
    case facesEmbedded = "faces.embedded"
    case facesGrouped = "faces.grouped"
    // Anonymized copies.
    case anonymizeQueued = "image.anonymize_queued"
    case anonymized = "image.anonymized"
    case anonymizeFailed = "image.anonymize_failed"
    // A job's life, written by the queue in the statement that changes the job row
    // (`TimelineRepository.eachJobRow`): data `kind`, `attempt` and what the step adds.
    case jobQueued = "job.queued"
    case jobStarted = "job.started"
    case jobDone = "job.done"
    case jobFailed = "job.failed"
    case jobRetryScheduled = "job.retry_scheduled"
    case jobLeaseExpired = "job.lease_expired"
    case jobCancelled = "job.cancelled"

    /// Ends a job's attempt (the timeline measures a step from `job.started` to one of these).
    public var endsAttempt: Bool { [.jobDone, .jobFailed, .jobRetryScheduled, .jobLeaseExpired].contains(self) }

    /// The image's own steps, which every reader of the image follows (seed 002's page shows the
    /// timeline); report membership, links, grouping and jobs are admin-only facts.
    public var shownToReaders: Bool {
        [.uploaded, .processed, .failed, .facesEmbedded, .anonymizeQueued, .anonymized, .anonymizeFailed].contains(self)
    }

    /// A failure or a retry, for the timeline's colouring.
    public var isFailure: Bool { [.failed, .anonymizeFailed, .jobFailed, .virusDetected].contains(self) }
    public var isRetry: Bool { self == .jobRetryScheduled }
}

/// Something that happened to an image, with its data: the one vocabulary of the timeline.
/// `TimelineRepository.append` stores it; `type` and `data` are what lands in the row.
public enum TimelineEvent: Sendable, Equatable {
    case uploaded(bytes: Int, mime: String, requestID: String?)
    /// The file was kept under its sniffed type, not the one the client claimed.
    case typeCorrected(claimed: String, actual: String)
    case scanSkipped(reason: String)
    /// A rejected upload: no image row exists, so the entry has no image.
    case virusDetected(signature: String, sha256: String, filename: String, requestID: String?)
    case addedToReport(report: String, blurFaces: Bool, requestID: String?)
    case reportPending(report: String, requestID: String?)
    case reportLinked(NewReportLink)
    case processed(thumbnails: Int, phash: String, pdqQuality: Int, duplicates: Int)
    case failed(error: String)
    case facesEmbedded(faces: Int)
    /// Which identity each face joined, which of them are new, which were merged into them.
    case facesGrouped(identities: [UUID], new: [UUID], merged: [UUID])
    /// - Parameter options: the copy's settings as stored (JSON object text).
    case anonymizeQueued(variant: UUID, options: String)
    case anonymized(variant: UUID, options: String, key: String, verification: ProcessedVariant.Verification)
    case anonymizeFailed(variant: UUID, error: String)

    public var type: TimelineEventType {
        switch self {
        case .uploaded: .uploaded
        case .typeCorrected: .typeCorrected
        case .scanSkipped: .scanSkipped
        case .virusDetected: .virusDetected
        case .addedToReport: .addedToReport
        case .reportPending: .reportPending
        case .reportLinked: .reportLinked
        case .processed: .processed
        case .failed: .failed
        case .facesEmbedded: .facesEmbedded
        case .facesGrouped: .facesGrouped
        case .anonymizeQueued: .anonymizeQueued
        case .anonymized: .anonymized
        case .anonymizeFailed: .anonymizeFailed
        }
    }

    /// The entry's `data` (keys in snake case, as the timeline has always had them; absent
    /// optionals are left out).
    public var data: [String: TimelineValue] {
        func id(_ uuid: UUID) -> TimelineValue { .string(uuid.uuidString.lowercased()) }
        switch self {
        case .uploaded(let bytes, let mime, let requestID):
            return ["bytes": .int(bytes), "mime": .string(mime), "request_id": .optional(requestID)]
        case .typeCorrected(let claimed, let actual):
            return ["claimed": .string(claimed), "actual": .string(actual)]
        case .scanSkipped(let reason):
            return ["reason": .string(reason)]
        case .virusDetected(let signature, let sha256, let filename, let requestID):
            return ["signature": .string(signature), "sha256": .string(sha256), "filename": .string(filename),
                    "request_id": .optional(requestID)]
        case .addedToReport(let report, let blurFaces, let requestID):
            return ["report": .string(report), "blur_faces": .bool(blurFaces), "request_id": .optional(requestID)]
        case .reportPending(let report, let requestID):
            return ["report": .string(report), "request_id": .optional(requestID)]
        case .reportLinked(let link):
            return ["reports": .array([.string(link.reports.0), .string(link.reports.1)]), "kind": .string(link.kind.rawValue),
                    "strength": .double(link.strength)]
        case .processed(let thumbnails, let phash, let pdqQuality, let duplicates):
            return ["thumbnails": .int(thumbnails), "phash": .string(phash), "pdq_quality": .int(pdqQuality),
                    "duplicates": .int(duplicates)]
        case .failed(let error):
            return ["error": .string(error)]
        case .facesEmbedded(let faces):
            return ["faces": .int(faces)]
        case .facesGrouped(let identities, let new, let merged):
            return ["identities": .array(identities.map(id)), "new": .array(new.map(id)), "merged": .array(merged.map(id))]
        case .anonymizeQueued(let variant, let options):
            return ["variant": id(variant), "options": .json(options)]
        case .anonymized(let variant, let options, let key, let v):
            return ["variant": id(variant), "options": .json(options), "key": .string(key), "faces": .int(v.facesMasked),
                    "detections_on_output": .int(v.detectionsOnOutput), "faces_left": .int(v.facesLeft), "verified": .bool(v.verified)]
        case .anonymizeFailed(let variant, let error):
            return ["variant": id(variant), "error": .string(error)]
        }
    }

    /// `data` as a JSON object, keys sorted.
    public var json: String { TimelineValue.object(data).json }
}

/// A value in a timeline entry's data.
public indirect enum TimelineValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case array([TimelineValue])
    case object([String: TimelineValue])
    /// JSON text written by facepipe itself (a copy's stored options), embedded as is.
    case json(String)
    case null

    static func optional(_ text: String?) -> TimelineValue { text.map(TimelineValue.string) ?? .null }

    public var json: String {
        switch self {
        case .string(let text):
            // JSONEncoder escapes quotes, backslashes and control characters.
            return (try? JSONEncoder().encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
        case .int(let number): return String(number)
        case .double(let number): return number.isFinite ? "\(number)" : "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .array(let items): return "[" + items.map(\.json).joined(separator: ",") + "]"
        case .object(let fields):
            let present = fields.filter { $0.value != .null }.sorted { $0.key < $1.key }
            return "{" + present.map { TimelineValue.string($0.key).json + ":" + $0.value.json }.joined(separator: ",") + "}"
        case .json(let text): return text
        case .null: return "null"
        }
    }
}
