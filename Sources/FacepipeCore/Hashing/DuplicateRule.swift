import Foundation

/// How far apart two images' hashes are, one distance per hash type.
public struct HashDistances: Sendable, Equatable, Codable {
    public var ahash: Int
    public var dhash: Int
    public var phash: Int
    public var pdq: Int

    public init(ahash: Int, dhash: Int, phash: Int, pdq: Int) {
        (self.ahash, self.dhash, self.phash, self.pdq) = (ahash, dhash, phash, pdq)
    }

    public init(_ a: ImageHashes, _ b: ImageHashes) {
        self.init(ahash: PerceptualHash.hammingDistance(a.ahash, b.ahash), dhash: PerceptualHash.hammingDistance(a.dhash, b.dhash),
                  phash: PerceptualHash.hammingDistance(a.phash, b.phash), pdq: PerceptualHash.pdqHammingDistance(a.pdq, b.pdq))
    }

    public subscript(type: HashType) -> Int {
        switch type {
        case .ahash: ahash
        case .dhash: dhash
        case .phash: phash
        case .pdq: pdq
        }
    }
}

/// When two images are the same picture: the near-duplicate linking rule, calibrated on
/// unrelated real images and transformed copies (`facepipe bench duplicates`; the figures are in
/// the README). Two images are near-duplicates when
///
/// - both hashes say something: one image's PDQ quality is at least `minQuality` and the other's
///   at least `weakerQuality` (flat, dark, blank or tiny images give hashes that unrelated images
///   share; they link only as the same file). PDQ's quality is a sum of gradients, so a copy 20 %
///   darker, or with 20 % less contrast, scores 20 % lower than its original: the weaker of the
///   two may be down to 4/5 of `minQuality` (bench duplicates, brightness ×0.8 on photos: the two
///   misses were originals of quality 54–55 whose copies scored 41), and
/// - two independent hashes agree: PDQ within `pdq` bits of 256 *and* pHash within `phash` bits
///   of 64.
///
/// aHash and dHash never link on their own (on low-detail images unrelated pictures meet within
/// 10 bits: 341 of 350 links in the held-out run of issue 23); their distances are kept on the
/// pair as extra evidence for a reviewer.
public struct DuplicateRule: Sendable, Equatable {
    public var minQuality: Int
    public var pdq: Int
    public var phash: Int

    public init(minQuality: Int = 50, pdq: Int = 60, phash: Int = 8) {
        self.minQuality = minQuality
        self.pdq = pdq
        self.phash = phash
    }

    /// The floor for the weaker image of a pair: 4/5 of `minQuality`.
    public var weakerQuality: Int { minQuality * 4 / 5 }

    /// Whether these hashes are strong enough to link on either side of a pair.
    public func isStrong(_ hashes: ImageHashes) -> Bool { hashes.pdqQuality >= minQuality }

    /// Whether these hashes may take part in a link at all: as the weaker of a pair at least.
    public func mayLink(_ hashes: ImageHashes) -> Bool { hashes.pdqQuality >= weakerQuality }

    /// The evidence when `a` and `b` are near-duplicates by the rule; nil when they are not.
    public func evidence(_ a: ImageHashes, _ b: ImageHashes) -> DuplicateEvidence? {
        guard isStrong(a) || isStrong(b), mayLink(a), mayLink(b) else { return nil }
        let distances = HashDistances(a, b)
        guard distances.pdq <= pdq, distances.phash <= phash else { return nil }
        return DuplicateEvidence(distances: distances, confidence: confidence(distances))
    }

    /// How sure the link is, 0…1: 1 at identical hashes, falling linearly with how far each of
    /// the two deciding distances has used up its allowance, to 0.5 at the edge of both (a
    /// pair at the edge is still a link, by the rule; 0.5 says "look twice"). The duplicates
    /// page sorts by it.
    public func confidence(_ distances: HashDistances) -> Double {
        let used = (Double(distances.pdq) / Double(max(1, pdq)) + Double(distances.phash) / Double(max(1, phash))) / 2
        return max(0, min(1, 1 - used / 2))
    }
}

/// Why two images count as the same picture.
public struct DuplicateEvidence: Sendable, Equatable {
    public var distances: HashDistances
    public var confidence: Double

    public init(distances: HashDistances, confidence: Double) {
        self.distances = distances
        self.confidence = confidence
    }

    /// Seed 000's `1 − distance / 64` of the pHash: how alike, as a report link's strength.
    public var similarity: Double { 1 - Double(distances.phash) / 64 }
}
