/// How alike two faces must be (cosine similarity of dlib embeddings) before facepipe says they
/// are the same person, in one place: face search's default, the faces that link reports, and
/// the faces an identity takes in all use `possible`; merging two identities and the "strong"
/// label use `strong`.
///
/// Calibration (README, "Face matching thresholds"; `facepipe bench face-calibration`): on a
/// held-out set of 153 photos of 32 people the old default 0.9 accepted 0.65 % of impostor
/// pairs. Both defaults here are above every impostor pair measured on the labelled photos
/// set-up can gather, and the lower one is where dlib's own "distance < 0.6" rule (0.12 %
/// impostors on that held-out set) sits for its typical raw vector length of 1.4, raised until
/// the false-accept rate is at most 0.1 %.
public struct FaceMatchThresholds: Sendable, Equatable {
    /// At or above this a face is a possible match: searches answer it, reports link on it,
    /// a new face joins an identity on it (with the neighbours' agreement).
    public var possible: Double
    /// At or above this a match is strong; two identities merge only on strong matches.
    public var strong: Double

    public static let defaultPossible = 0.92
    public static let defaultStrong = 0.94

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
