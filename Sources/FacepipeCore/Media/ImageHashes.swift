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

/// A part of an image hashed on its own and stored beside the image's own hashes, so that a
/// copy showing only that part (or the part with something else around it) meets the image
/// whichever of the two arrived first.
public enum ImageRegion: String, Sendable, Codable, CaseIterable {
    /// The picture inside a frame (`ContentBox`: padding, letterbox bars, a screenshot's page).
    case content
    /// The middle `ImageRegion.centreShare` of each side: what a re-post that crops the edges
    /// keeps (a 10 % crop moves PDQ by about 80 bits of 256; the centre key by a few).
    case centre
    /// The upper `ImageRegion.upperShare` of the height: what stays clean when a caption or a
    /// handle is written across the lower part (a line of text moves PDQ by about 40 bits).
    case upper

    /// Of each side, the share the centre region keeps (3.75 % cut from every edge): between a
    /// 5 % and a 10 % crop, so both meet it (bench duplicates on photos: at 90 %, a 5 % crop
    /// linked 98.5 % and a 10 % one 100 %; at 92.5 %, 99.6 % and 99.3 %).
    public static let centreShare = 0.925
    /// Of the height, the share the upper region keeps.
    public static let upperShare = 0.8

    /// Which stored sets a lookup by this region's hashes is judged against. A region meets
    /// the same region of the other image only where both sides cut the same thing away (the
    /// content inside two frames; the upper parts above two captions); the centre meets the
    /// whole image (the cropped copy *is* the other's centre).
    var meets: [StoredSet] {
        switch self {
        case .content: [.own, .region(.content)]
        case .centre: [.own]
        case .upper: [.region(.upper)]
        }
    }
}

/// One of the hash sets stored of an image: its own, or one of its regions'.
public enum StoredSet: Sendable, Hashable {
    case own
    case region(ImageRegion)
}

/// The hashes of a transformed copy of an image, used only to look up others: re-posts that flip
/// or slightly turn a photo change every hash, so process_image also looks for the copy it would
/// be. Region keys are stored as well (`ImageFingerprint.regions`).
public struct LookupKey: Sendable, Equatable {
    public enum Transform: Sendable, Equatable {
        /// Left ↔ right.
        case mirrored
        /// Turned on a grown canvas: finds a turned copy stored before this image.
        case turned(degrees: Double)
        /// Turned back and cropped to the original's region: finds the original of a turned copy.
        case straightened(degrees: Double)
        /// Only a part of the image (`ImageRegion`). Also stored, so a framed, cropped or
        /// captioned copy and its original meet whichever came first.
        case region(ImageRegion)

        /// The stored sets of other images this key is judged against: a whole-picture key
        /// against their own hashes and their framed content, a region by `ImageRegion.meets`.
        public var meets: [StoredSet] {
            switch self {
            case .mirrored, .turned, .straightened: [.own, .region(.content)]
            case .region(let region): region.meets
            }
        }
    }

    /// Every hash of the copy: a key links by the same `DuplicateRule` as the image's own hashes.
    public var hashes: ImageHashes
    public var transform: Transform

    public init(hashes: ImageHashes, transform: Transform) {
        self.hashes = hashes
        self.transform = transform
    }

    /// What the image's own hashes are judged against: every stored set of the other image but
    /// its upper part (an upper part is only ever the same as another upper part).
    public static let ownMeets: [StoredSet] = [.own, .region(.content), .region(.centre)]
}

/// What the duplicate index keeps of an image: its own hashes and its regions' (`ImageRegion`;
/// `content` only when the image sits in a frame).
public struct ImageFingerprint: Sendable, Equatable {
    public var hashes: ImageHashes
    public var regions: [ImageRegion: ImageHashes]

    public init(hashes: ImageHashes, regions: [ImageRegion: ImageHashes] = [:]) {
        self.hashes = hashes
        self.regions = regions
    }

    public init(hashes: ImageHashes, keys: [LookupKey]) {
        var regions: [ImageRegion: ImageHashes] = [:]
        for key in keys { if case .region(let region) = key.transform { regions[region] = key.hashes } }
        self.init(hashes: hashes, regions: regions)
    }

    /// The picture inside the image's frame, when it has one.
    public var content: ImageHashes? { regions[.content] }

    /// One stored set.
    public subscript(set: StoredSet) -> ImageHashes? {
        switch set {
        case .own: hashes
        case .region(let region): regions[region]
        }
    }

    /// The regions as keys (what a stored image would look others up by).
    public var regionKeys: [LookupKey] {
        ImageRegion.allCases.compactMap { region in regions[region].map { LookupKey(hashes: $0, transform: .region(region)) } }
    }

    /// The regions as stored: `{"content": {…}, "centre": {…}}` (hashes as `ImageHashes` encodes them).
    public var regionsJSON: String? {
        guard !regions.isEmpty else { return nil }
        let named = Dictionary(uniqueKeysWithValues: regions.map { ($0.key.rawValue, $0.value) })
        return (try? JSONEncoder().encode(named)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Regions read back from `regionsJSON`; regions a later version added and this one does
    /// not know are skipped.
    public static func regions(fromJSON text: String?) -> [ImageRegion: ImageHashes] {
        guard let text, let named = try? JSONDecoder().decode([String: ImageHashes].self, from: Data(text.utf8)) else { return [:] }
        var regions: [ImageRegion: ImageHashes] = [:]
        for (name, hashes) in named { if let region = ImageRegion(rawValue: name) { regions[region] = hashes } }
        return regions
    }
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
    /// One is the other's centre: a copy with its edges cropped away.
    case cropped
    /// Only the upper parts agree: a copy with a caption or a handle across its lower part.
    case captioned

    /// Which evidence a lookup by `query` (nil: the image's own hashes) against the stored
    /// set `stored` is.
    public init(query: LookupKey.Transform?, stored: StoredSet) {
        switch (query, stored) {
        case (.mirrored, _): self = .mirrored
        case (.turned, _), (.straightened, _): self = .turned
        case (.region(.content), _), (_, .region(.content)): self = .content
        case (.region(.centre), _), (_, .region(.centre)): self = .cropped
        case (.region(.upper), _), (_, .region(.upper)): self = .captioned
        case (nil, .own): self = .own
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
