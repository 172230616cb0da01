/// How alike two faces must be (cosine similarity of dlib embeddings) before facepipe says they
/// are the same person, in one place: face search's default, the faces that link reports, and
/// the faces an identity takes in all use `possible`; merging two identities and the "strong"
/// label use `strong`.
///
/// Calibration (`facepipe bench face-calibration`, README "Face matching thresholds"):
/// - On the maintainers' held-out set (153 photos, 32 people) the old default 0.9 accepted
///   0.65 % of different-person pairs; dlib's own "raw distance < 0.6" rule, about 0.91 here,
///   0.12 %.
/// - On the labelled photos set-up can gather from PyPI (26 faces, 22 people, 315
///   different-person pairs, 10 same-person pairs) the closest two different people (two young
///   women in one group photo) score 0.938: 0.93 accepts 1 pair (0.32 %), 0.94 none; every
///   same-person pair scores 0.951 or more.
/// So `possible` is 0.94, the lowest value that accepts no different-person pair measured; with
/// 315 pairs that bounds the false-accept rate only to about 1 % (95 % confidence), not to
/// 0.1 %: a larger labelled set should move it. `strong` is 0.96: most same-person pairs
/// (median 0.967) are strong, the two crops of one photo included.
public struct FaceMatchThresholds: Sendable, Equatable {
    /// At or above this a face is a possible match: searches answer it, reports link on it,
    /// a new face joins an identity on it (with the neighbours' agreement).
    public var possible: Double
    /// At or above this a match is strong; two identities merge only on strong matches.
    public var strong: Double

    public static let defaultPossible = 0.94
    public static let defaultStrong = 0.96

    public init(possible: Double = defaultPossible, strong: Double = defaultStrong) {
        self.possible = possible
        self.strong = max(strong, possible)
    }

    /// What an answer says about a similarity: nil below `possible`.
    public func strength(of similarity: Double) -> FaceMatchStrength? {
        similarity >= strong ? .strong : similarity >= possible ? .possible : nil
    }
}

/// A match's strength as answers show it, instead of a bare number.
public enum FaceMatchStrength: String, Sendable, Codable, CaseIterable {
    case strong
    case possible
}
