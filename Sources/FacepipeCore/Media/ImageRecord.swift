import Foundation

public enum ImageStatus: String, Sendable, Codable, CaseIterable {
    case uploaded, queued, processing, done, failed
}

/// An image row: the original's facts plus processing results.
public struct ImageRecord: Sendable, Equatable {
    public var id: UUID
    public var reportID: String?
    public var pipeline: String
    public var sha256: String
    public var mime: String
    public var bytes: Int64
    public var width: Int?
    public var height: Int?
    public var originalKey: String
    /// Thumbnail size name → media key.
    public var thumbnails: [String: String]
    /// JSON object text of the safe metadata (dimensions, format, colour space…).
    public var safeMetadata: String
    public var hasFaces: Bool?
    public var faceCount: Int?
    public var blurFaces: Bool
    /// Shown in the public gallery (its derivatives only, faces blurred).
    public var isPublic: Bool
    public var status: ImageStatus
    public var error: String?
    public var createdAt: Date
    public var processedAt: Date?
    /// Every report the image was uploaded to, oldest first (`reportID` is the first).
    public var reports: [String]

    public init(id: UUID, reportID: String?, pipeline: String, sha256: String, mime: String, bytes: Int64, width: Int?,
                height: Int?, originalKey: String, thumbnails: [String: String], safeMetadata: String, hasFaces: Bool?,
                faceCount: Int?, blurFaces: Bool, isPublic: Bool = false, status: ImageStatus, error: String?, createdAt: Date,
                processedAt: Date?, reports: [String] = []) {
        self.reports = reports
        self.isPublic = isPublic
        self.id = id
        self.reportID = reportID
        self.pipeline = pipeline
        self.sha256 = sha256
        self.mime = mime
        self.bytes = bytes
        self.width = width
        self.height = height
        self.originalKey = originalKey
        self.thumbnails = thumbnails
        self.safeMetadata = safeMetadata
        self.hasFaces = hasFaces
        self.faceCount = faceCount
        self.blurFaces = blurFaces
        self.status = status
        self.error = error
        self.createdAt = createdAt
        self.processedAt = processedAt
    }
}

/// What ingest knows about a new original before it is stored.
public struct NewImage: Sendable, Equatable {
    public var id: UUID
    public var reportID: String?
    public var pipeline: String
    public var sha256: String
    public var mime: String
    public var bytes: Int64
    public var width: Int
    public var height: Int
    public var originalKey: String
    public var blurFaces: Bool
    /// For the public gallery; implies `blurFaces`.
    public var isPublic: Bool

    public init(id: UUID, reportID: String?, pipeline: String = "default", sha256: String, mime: String, bytes: Int64,
                width: Int, height: Int, originalKey: String, blurFaces: Bool, isPublic: Bool = false) {
        self.isPublic = isPublic
        self.id = id
        self.reportID = reportID
        self.pipeline = pipeline
        self.sha256 = sha256
        self.mime = mime
        self.bytes = bytes
        self.width = width
        self.height = height
        self.originalKey = originalKey
        self.blurFaces = blurFaces
    }
}

/// A timeline entry.
public struct ImageEvent: Sendable, Equatable {
    public var id: Int64
    public var jobID: Int64?
    public var at: Date
    public var type: TimelineEventType
    /// JSON object text.
    public var data: String

    public init(id: Int64, jobID: Int64?, at: Date, type: TimelineEventType, data: String) {
        self.id = id
        self.jobID = jobID
        self.at = at
        self.type = type
        self.data = data
    }
}

/// Filters for listing images, newest first.
public struct ImageFilter: Sendable, Equatable {
    public var status: ImageStatus?
    public var hasFaces: Bool?
    public var from: Date?
    public var to: Date?
    public var reportID: String?
    /// Only images in the public gallery.
    public var publicOnly: Bool
    /// Only images with an anonymized copy in this state (seed 002's status, per pipeline).
    public var anonymizeStatus: ImageStatus?

    public init(status: ImageStatus? = nil, hasFaces: Bool? = nil, from: Date? = nil, to: Date? = nil, reportID: String? = nil,
                publicOnly: Bool = false, anonymizeStatus: ImageStatus? = nil) {
        self.anonymizeStatus = anonymizeStatus
        self.publicOnly = publicOnly
        self.status = status
        self.hasFaces = hasFaces
        self.from = from
        self.to = to
        self.reportID = reportID
    }
}

/// Keyset pagination position: the last row's (created_at, id), opaque to clients.
public struct ImageCursor: Sendable, Equatable {
    public var createdAt: Date
    public var id: UUID

    public init(createdAt: Date, id: UUID) {
        self.createdAt = createdAt
        self.id = id
    }

    public var encoded: String {
        let micros = Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded())
        return Data("\(micros):\(id.uuidString.lowercased())".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public init(encoded: String) throws {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            throw APIError.badRequest("invalid cursor", code: "invalid_cursor")
        }
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
            throw APIError.badRequest("invalid cursor", code: "invalid_cursor")
        }
        self.init(createdAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000), id: id)
    }
}
