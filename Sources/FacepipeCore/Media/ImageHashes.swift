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

/// Which hash found a near-duplicate pair.
public enum HashType: String, Sendable, Codable, CaseIterable {
    case phash, dhash, ahash, pdq
}

/// Hamming-distance thresholds under which two images count as near-duplicates.
public struct DuplicateThresholds: Sendable, Equatable {
    public var ahash: Int
    public var dhash: Int
    public var phash: Int
    public var pdq: Int

    public init(ahash: Int = 10, dhash: Int = 10, phash: Int = 10, pdq: Int = 31) {
        self.ahash = ahash
        self.dhash = dhash
        self.phash = phash
        self.pdq = pdq
    }

    public func limit(for type: HashType) -> Int {
        switch type {
        case .ahash: ahash
        case .dhash: dhash
        case .phash: phash
        case .pdq: pdq
        }
    }
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
    }

    public var hashes: ImageHashes
    public var transform: Transform
    /// The hash types this key is looked up by (the others in `hashes` are not computed).
    /// Turned keys use pHash only: the black corners a turn adds make unrelated photos' aHashes
    /// meet (bench duplicates found biden ~ obama at aHash distance 8 that way), and PDQ found
    /// no copy pHash missed, at a third of the keys' cost.
    public var types: Set<HashType>

    public init(hashes: ImageHashes, transform: Transform, types: Set<HashType> = Set(HashType.allCases)) {
        self.hashes = hashes
        self.transform = transform
        self.types = types
    }
}

/// A near-duplicate found for an image.
public struct DuplicateMatch: Sendable, Equatable {
    public var otherImageID: UUID
    public var hashType: HashType
    public var distance: Int
    /// Found by the mirror image's hash: one of the two is a flipped copy of the other.
    public var mirrored: Bool

    public init(otherImageID: UUID, hashType: HashType, distance: Int, mirrored: Bool = false) {
        self.otherImageID = otherImageID
        self.hashType = hashType
        self.distance = distance
        self.mirrored = mirrored
    }

    /// 1 − distance / bits (256 for PDQ, 64 for the others): how alike, as a report link's strength.
    /// (`ReportLinkRepository.evidence` computes the same from stored pairs.)
    public var strength: Double {
        1 - Double(distance) / (hashType == .pdq ? 256 : 64)
    }
}

/// Processing settings (thumbnails, duplicate detection).
public struct ProcessingConfig: Sendable, Equatable {
    public var thumbnailQuality: Int
    public var duplicates: DuplicateThresholds

    public init(thumbnailQuality: Int = 80, duplicates: DuplicateThresholds = DuplicateThresholds()) {
        self.thumbnailQuality = thumbnailQuality
        self.duplicates = duplicates
    }

    public init(from source: some ConfigSource) throws {
        let hashLimit = try source.int("DUPLICATE_MAX_DISTANCE", default: 10, range: 0...32)
        self.init(
            thumbnailQuality: try source.int("THUMBNAIL_QUALITY", default: 80, range: 1...100),
            duplicates: DuplicateThresholds(
                ahash: try source.int("DUPLICATE_MAX_DISTANCE_AHASH", default: hashLimit, range: 0...32),
                dhash: try source.int("DUPLICATE_MAX_DISTANCE_DHASH", default: hashLimit, range: 0...32),
                phash: try source.int("DUPLICATE_MAX_DISTANCE_PHASH", default: hashLimit, range: 0...32),
                pdq: try source.int("DUPLICATE_MAX_DISTANCE_PDQ", default: 31, range: 0...128)))
    }
}
