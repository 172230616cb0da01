import Foundation

/// The perceptual hashes of one image (hex as stored: 16 chars for 64-bit, 64 for PDQ).
public struct ImageHashes: Sendable, Equatable, Codable {
    public var ahash: UInt64
    public var dhash: UInt64
    public var phash: UInt64
    public var pdq: PDQHash
    public var pdqQuality: Int

    public init(ahash: UInt64, dhash: UInt64, phash: UInt64, pdq: PDQHash, pdqQuality: Int) {
        self.ahash = ahash
        self.dhash = dhash
        self.phash = phash
        self.pdq = pdq
        self.pdqQuality = pdqQuality
    }

    enum CodingKeys: String, CodingKey { case ahash, dhash, phash, pdq, pdqQuality }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func hex64(_ key: CodingKeys) throws -> UInt64 {
            let text = try c.decode(String.self, forKey: key)
            guard let value = PerceptualHash.parseHex(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not 16 hex digits")
            }
            return value
        }
        ahash = try hex64(.ahash)
        dhash = try hex64(.dhash)
        phash = try hex64(.phash)
        guard let pdq = PDQHash(hex: try c.decode(String.self, forKey: .pdq)) else {
            throw DecodingError.dataCorruptedError(forKey: .pdq, in: c, debugDescription: "not 64 hex digits")
        }
        self.pdq = pdq
        pdqQuality = try c.decode(Int.self, forKey: .pdqQuality)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(PerceptualHash.hex(ahash), forKey: .ahash)
        try c.encode(PerceptualHash.hex(dhash), forKey: .dhash)
        try c.encode(PerceptualHash.hex(phash), forKey: .phash)
        try c.encode(pdq.hex, forKey: .pdq)
        try c.encode(pdqQuality, forKey: .pdqQuality)
    }
}

/// The perceptual hash types every image gets.
public enum HashType: String, Sendable, Codable, CaseIterable {
    case phash, dhash, ahash, pdq
}

/// The hashes of a transformed copy of an image, used only to look up others (never stored):
/// re-posts that flip or slightly turn a photo change every hash, so process_image also looks
/// for the copy it would be.
public struct LookupKey: Sendable, Equatable {
    public enum Transform: Sendable, Equatable {
        /// Left ↔ right.
        case mirrored
        /// Turned on a grown canvas: finds a turned copy stored before this image.
        case turned(degrees: Double)
        /// Turned back and cropped to the original's region: finds the original of a turned copy.
        case straightened(degrees: Double)
        /// Only the picture inside a frame (`ContentBox`: padding, letterbox bars, a screenshot's
        /// page). Also stored (`ImageFingerprint.content`), so a framed copy and its original
        /// meet whichever came first.
        case content
    }

    /// Every hash of the copy: a key links by the same `DuplicateRule` as the image's own hashes.
    public var hashes: ImageHashes
    public var transform: Transform

    public init(hashes: ImageHashes, transform: Transform) {
        self.hashes = hashes
        self.transform = transform
    }
}

/// What the duplicate index keeps of an image: its hashes and, when the image sits in a frame,
/// the hashes of the picture inside it (the `.content` lookup key).
public struct ImageFingerprint: Sendable, Equatable {
    public var hashes: ImageHashes
    public var content: ImageHashes?

    public init(hashes: ImageHashes, content: ImageHashes? = nil) {
        self.hashes = hashes
        self.content = content
    }

    public init(hashes: ImageHashes, keys: [LookupKey]) {
        self.init(hashes: hashes, content: keys.first { $0.transform == .content }?.hashes)
    }

    /// Both sets, the image's own first.
    public var all: [ImageHashes] { [hashes] + (content.map { [$0] } ?? []) }
}

/// Which hashes of the pair agreed: the two images' own, or a lookup key's (the distances on
/// a pair are those of the sets that matched).
public enum MatchedBy: String, Sendable, Codable, CaseIterable {
    /// The images' own hashes.
    case own
    /// The mirror image's: one is a flipped copy of the other.
    case mirrored
    /// A turned (or turned back) copy's: one is turned a few degrees.
    case turned
    /// The picture inside a frame of either (`ContentBox`): padding, bars, a screenshot's page.
    case content

    public init(_ transform: LookupKey.Transform?) {
        switch transform {
        case nil: self = .own
        case .mirrored: self = .mirrored
        case .turned, .straightened: self = .turned
        case .content: self = .content
        }
    }
}

/// A near-duplicate found for an image: the other image and the rule's evidence.
public struct DuplicateMatch: Sendable, Equatable {
    public var otherImageID: UUID
    public var evidence: DuplicateEvidence
    public var matchedBy: MatchedBy

    public init(otherImageID: UUID, evidence: DuplicateEvidence, matchedBy: MatchedBy = .own) {
        self.otherImageID = otherImageID
        self.evidence = evidence
        self.matchedBy = matchedBy
    }

    /// Found by the mirror image's hash: one of the two is a flipped copy of the other.
    public var mirrored: Bool { matchedBy == .mirrored }

    public var distances: HashDistances { evidence.distances }
    public var confidence: Double { evidence.confidence }
    /// How alike, as a report link's strength (`DuplicateEvidence.similarity`).
    public var strength: Double { evidence.similarity }
}

/// Processing settings (thumbnails, duplicate detection).
public struct ProcessingConfig: Sendable, Equatable {
    public var thumbnailQuality: Int
    public var duplicates: DuplicateRule

    public init(thumbnailQuality: Int = 80, duplicates: DuplicateRule = DuplicateRule()) {
        self.thumbnailQuality = thumbnailQuality
        self.duplicates = duplicates
    }

    public init(from source: some ConfigSource) throws {
        // aHash and dHash no longer link images (issue 23): a deployment that tuned them must
        // hear that its setting does nothing rather than have it ignored.
        for retired in ["DUPLICATE_MAX_DISTANCE", "DUPLICATE_MAX_DISTANCE_AHASH", "DUPLICATE_MAX_DISTANCE_DHASH"] {
            if let value = source.string(retired) {
                throw ConfigError(variable: retired, value: value, expected:
                    "nothing: aHash and dHash no longer link images; remove it (the rule is DUPLICATE_MIN_QUALITY, DUPLICATE_MAX_DISTANCE_PDQ, DUPLICATE_MAX_DISTANCE_PHASH)")
            }
        }
        let rule = DuplicateRule()
        self.init(
            thumbnailQuality: try source.int("THUMBNAIL_QUALITY", default: 80, range: 1...100),
            duplicates: DuplicateRule(
                minQuality: try source.int("DUPLICATE_MIN_QUALITY", default: rule.minQuality, range: 0...100),
                pdq: try source.int("DUPLICATE_MAX_DISTANCE_PDQ", default: rule.pdq, range: 0...128),
                phash: try source.int("DUPLICATE_MAX_DISTANCE_PHASH", default: rule.phash, range: 0...32)))
    }
}
