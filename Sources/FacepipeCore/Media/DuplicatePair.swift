import Foundation

/// A person's decision on a near-duplicate pair.
public enum DuplicateStatus: String, Sendable, Codable, CaseIterable { case pending, confirmed, different }

/// A near-duplicate pair as the API shows it: one per image pair, with the evidence.
public struct DuplicatePair: Sendable, Equatable {
    public var id: Int64
    public var image1: UUID
    public var image2: UUID
    /// Every hash's distance between the two (the rule decides by PDQ and pHash).
    public var distances: HashDistances
    /// 1 − pHash distance / 64.
    public var similarity: Double
    /// `DuplicateRule.confidence`: how far inside the rule the pair is (0.5 at its edge, 1 identical).
    public var confidence: Double
    /// One image is a flipped copy of the other (found through the mirror image's hash).
    public var mirrored: Bool
    /// Which hashes agreed (the distances are theirs).
    public var matchedBy: MatchedBy
    public var status: DuplicateStatus
    public var reviewedBy: String?
    public var reviewedAt: Date?
    public var createdAt: Date

    public init(id: Int64, image1: UUID, image2: UUID, distances: HashDistances, similarity: Double, confidence: Double,
                mirrored: Bool, matchedBy: MatchedBy, status: DuplicateStatus, reviewedBy: String?, reviewedAt: Date?, createdAt: Date) {
        self.id = id
        self.image1 = image1
        self.image2 = image2
        self.distances = distances
        self.similarity = similarity
        self.confidence = confidence
        self.mirrored = mirrored
        self.matchedBy = matchedBy
        self.status = status
        self.reviewedBy = reviewedBy
        self.reviewedAt = reviewedAt
        self.createdAt = createdAt
    }
}
