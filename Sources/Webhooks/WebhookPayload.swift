import FacepipeCore
import Foundation

/// The body of an `image.processed` webhook, in seed 000's shape (§9.2): the event name and
/// a `data` object; facepipe's additions are extra fields inside `data`, never renamed ones.
///
/// ```json
/// {"event":"image.processed",
///  "data":{"id":"…","reportId":"…","status":"completed","sha256":"…",
///          "width":1200,"height":800,"hasFaces":true,"faceCount":2,
///          "hashes":{"phash":"…","dhash":"…","ahash":"…","pdq":"…"},
///          "thumbnails":[{"size":"thumb","url":"https://…"},{"size":"medium","url":"https://…"}],
///          "duplicates":[{"imageId":"…","hashType":"pdq","distance":12,"similarity":0.9688,"confidence":0.83,
///                         "distances":{"ahash":3,"dhash":5,"phash":2,"pdq":12}}],
///          "processedAt":"2026-01-02T03:04:05Z"}}
/// ```
///
/// Optional fields that are nil are left out (never `null`); ids are lowercase UUIDs, dates
/// ISO 8601 in UTC, and URLs absolute, as in the HTTP API.
public struct WebhookPayload: Sendable, Codable, Equatable {
    /// Seed 000's words: `completed` or `failed` (with `error`).
    public enum Status: String, Sendable, Codable, CaseIterable {
        case completed, failed
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

    /// One thumbnail: its size name (`thumb` 150 px, `medium` 300 px, `large` 800 px on the long
    /// side) and a signed absolute URL.
    public struct Thumbnail: Sendable, Codable, Equatable {
        public var size: String
        public var url: String

        public init(size: String, url: String) {
            self.size = size
            self.url = url
        }

        /// The sizes present in `urls` (by name), smallest first.
        public static func list(_ urls: [String: String]) -> [Thumbnail] {
            ImageRecord.bySize(urls).map { Thumbnail(size: $0.size, url: $0.url) }
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
    public var thumbnails: [Thumbnail]
    public var duplicates: [Duplicate]
    public var processedAt: Date
    /// Why processing failed (`status` = failed).
    public var error: String?

    public init(
        event: String = WebhookPayload.imageProcessed, imageId: UUID, reportId: String? = nil, status: Status, sha256: String,
        width: Int? = nil, height: Int? = nil, hasFaces: Bool? = nil, faceCount: Int? = nil, hashes: Hashes? = nil,
        thumbnails: [Thumbnail] = [], duplicates: [Duplicate] = [], processedAt: Date, error: String? = nil
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

    enum EnvelopeKeys: String, CodingKey { case event, data }

    enum CodingKeys: String, CodingKey {
        case id, reportId, status, sha256, width, height, hasFaces, faceCount, hashes, thumbnails, duplicates, processedAt, error
    }

    public func encode(to encoder: any Encoder) throws {
        var envelope = encoder.container(keyedBy: EnvelopeKeys.self)
        try envelope.encode(event, forKey: .event)
        var c = envelope.nestedContainer(keyedBy: CodingKeys.self, forKey: .data)
        try c.encode(imageId.uuidString.lowercased(), forKey: .id)
        try c.encodeIfPresent(reportId, forKey: .reportId)
        try c.encode(status, forKey: .status)
        try c.encode(sha256, forKey: .sha256)
        try c.encodeIfPresent(width, forKey: .width)
        try c.encodeIfPresent(height, forKey: .height)
        try c.encodeIfPresent(hasFaces, forKey: .hasFaces)
        try c.encodeIfPresent(faceCount, forKey: .faceCount)
        try c.encodeIfPresent(hashes, forKey: .hashes)
        try c.encode(thumbnails, forKey: .thumbnails)
        try c.encode(duplicates, forKey: .duplicates)
        try c.encode(processedAt, forKey: .processedAt)
        try c.encodeIfPresent(error, forKey: .error)
    }

    public init(from decoder: any Decoder) throws {
        let envelope = try decoder.container(keyedBy: EnvelopeKeys.self)
        let c = try envelope.nestedContainer(keyedBy: CodingKeys.self, forKey: .data)
        self.init(
            event: try envelope.decode(String.self, forKey: .event), imageId: try c.decode(UUID.self, forKey: .id),
            reportId: try c.decodeIfPresent(String.self, forKey: .reportId), status: try c.decode(Status.self, forKey: .status),
            sha256: try c.decode(String.self, forKey: .sha256), width: try c.decodeIfPresent(Int.self, forKey: .width),
            height: try c.decodeIfPresent(Int.self, forKey: .height), hasFaces: try c.decodeIfPresent(Bool.self, forKey: .hasFaces),
            faceCount: try c.decodeIfPresent(Int.self, forKey: .faceCount), hashes: try c.decodeIfPresent(Hashes.self, forKey: .hashes),
            thumbnails: try c.decodeIfPresent([Thumbnail].self, forKey: .thumbnails) ?? [],
            duplicates: try c.decode([Duplicate].self, forKey: .duplicates), processedAt: try c.decode(Date.self, forKey: .processedAt),
            error: try c.decodeIfPresent(String.self, forKey: .error))
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

/// `{"event": …, "data": …}`: the shape of every webhook body (seed 000 §9.2), so a receiver
/// switches on `event` and reads `data`.
struct WebhookEnvelope<Body: Encodable>: Encodable {
    let event: String
    let data: Body

    func jsonBody() throws -> String {
        String(decoding: try WebhookPayload.encoder.encode(self), as: UTF8.self)
    }
}
