import FacepipeCore
import Foundation

/// The body of an `image.processed` webhook: what processing found out about one image.
///
/// ```json
/// {"event":"image.processed","imageId":"…","reportId":"…","status":"done","sha256":"…",
///  "width":1200,"height":800,"hasFaces":true,"faceCount":2,
///  "hashes":{"phash":"…","dhash":"…","ahash":"…","pdq":"…"},
///  "thumbnails":{"thumb":"…","medium":"…","large":"…"},
///  "duplicates":[{"imageId":"…","hashType":"pdq","distance":12,"similarity":0.9688,"confidence":0.83,
///                  "distances":{"ahash":3,"dhash":5,"phash":2,"pdq":12}}],
///  "processedAt":"2026-01-02T03:04:05Z","error":null}
/// ```
///
/// Optional fields that are nil are left out (never `null`); ids are lowercase UUIDs and
/// dates ISO 8601 in UTC, as in the HTTP API.
public struct WebhookPayload: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case done, failed
    }

    /// Perceptual hashes as lowercase hex (16 digits; 64 for PDQ).
    public struct Hashes: Sendable, Codable, Equatable {
        public var phash: String
        public var dhash: String
        public var ahash: String
        public var pdq: String

        public init(phash: String, dhash: String, ahash: String, pdq: String) {
            self.phash = phash
            self.dhash = dhash
            self.ahash = ahash
            self.pdq = pdq
        }

        public init(_ hashes: ImageHashes) {
            self.init(phash: PerceptualHash.hex(hashes.phash), dhash: PerceptualHash.hex(hashes.dhash),
                      ahash: PerceptualHash.hex(hashes.ahash), pdq: hashes.pdq.hex)
        }
    }

    /// Thumbnail URLs by size (absent sizes are left out).
    public struct Thumbnails: Sendable, Codable, Equatable {
        public var thumb: String?
        public var medium: String?
        public var large: String?

        public init(thumb: String? = nil, medium: String? = nil, large: String? = nil) {
            self.thumb = thumb
            self.medium = medium
            self.large = large
        }
    }

    /// A near-duplicate found while processing this image (by the calibrated rule: see
    /// `DuplicateRule`). `hashType`/`distance` are the seed's fields: the PDQ distance.
    public struct Duplicate: Sendable, Codable, Equatable {
        public var imageId: UUID
        public var hashType: String
        public var distance: Int
        public var distances: HashDistances?
        public var similarity: Double?
        public var confidence: Double?

        public init(imageId: UUID, hashType: String, distance: Int, distances: HashDistances? = nil, similarity: Double? = nil,
                    confidence: Double? = nil) {
            self.imageId = imageId
            self.hashType = hashType
            self.distance = distance
            self.distances = distances
            self.similarity = similarity
            self.confidence = confidence
        }

        public init(_ match: DuplicateMatch) {
            self.init(imageId: match.otherImageID, hashType: HashType.pdq.rawValue, distance: match.distances.pdq,
                      distances: match.distances, similarity: (match.strength * 10_000).rounded() / 10_000,
                      confidence: (match.confidence * 10_000).rounded() / 10_000)
        }

        enum CodingKeys: String, CodingKey { case imageId, hashType, distance, distances, similarity, confidence }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(imageId.uuidString.lowercased(), forKey: .imageId)
            try c.encode(hashType, forKey: .hashType)
            try c.encode(distance, forKey: .distance)
            try c.encodeIfPresent(distances, forKey: .distances)
            try c.encodeIfPresent(similarity, forKey: .similarity)
            try c.encodeIfPresent(confidence, forKey: .confidence)
        }
    }

    public static let imageProcessed = "image.processed"

    public var event: String
    public var imageId: UUID
    public var reportId: String?
    public var status: Status
    public var sha256: String
    public var width: Int?
    public var height: Int?
    public var hasFaces: Bool?
    public var faceCount: Int?
    public var hashes: Hashes?
    public var thumbnails: Thumbnails?
    public var duplicates: [Duplicate]
    public var processedAt: Date
    /// Why processing failed (`status` = failed).
    public var error: String?

    public init(
        event: String = WebhookPayload.imageProcessed, imageId: UUID, reportId: String? = nil, status: Status, sha256: String,
        width: Int? = nil, height: Int? = nil, hasFaces: Bool? = nil, faceCount: Int? = nil, hashes: Hashes? = nil,
        thumbnails: Thumbnails? = nil, duplicates: [Duplicate] = [], processedAt: Date, error: String? = nil
    ) {
        self.event = event
        self.imageId = imageId
        self.reportId = reportId
        self.status = status
        self.sha256 = sha256
        self.width = width
        self.height = height
        self.hasFaces = hasFaces
        self.faceCount = faceCount
        self.hashes = hashes
        self.thumbnails = thumbnails
        self.duplicates = duplicates
        self.processedAt = processedAt
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case event, imageId, reportId, status, sha256, width, height, hasFaces, faceCount, hashes, thumbnails, duplicates,
             processedAt, error
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(event, forKey: .event)
        try c.encode(imageId.uuidString.lowercased(), forKey: .imageId)
        try c.encodeIfPresent(reportId, forKey: .reportId)
        try c.encode(status, forKey: .status)
        try c.encode(sha256, forKey: .sha256)
        try c.encodeIfPresent(width, forKey: .width)
        try c.encodeIfPresent(height, forKey: .height)
        try c.encodeIfPresent(hasFaces, forKey: .hasFaces)
        try c.encodeIfPresent(faceCount, forKey: .faceCount)
        try c.encodeIfPresent(hashes, forKey: .hashes)
        try c.encodeIfPresent(thumbnails, forKey: .thumbnails)
        try c.encode(duplicates, forKey: .duplicates)
        try c.encode(processedAt, forKey: .processedAt)
        try c.encodeIfPresent(error, forKey: .error)
    }

    /// The JSON text sent as the request body: keys sorted, so the same payload always
    /// gives the same bytes (and signature).
    public func jsonBody() throws -> String {
        String(decoding: try Self.encoder.encode(self), as: UTF8.self)
    }

    /// Parses a body produced by `jsonBody()` (receivers, tests).
    public static func decode(_ body: some DataProtocol) throws -> WebhookPayload {
        try decoder.decode(WebhookPayload.self, from: Data(body))
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
