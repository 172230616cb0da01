/// A face's estimated age and gender (seed 000's `estimated_age`, `estimated_gender`), as the
/// attribute networks guess them from appearance: estimates, shown to admins only.
public struct FaceAttributes: Sendable, Equatable, Codable {
    public enum Gender: String, Sendable, Codable, CaseIterable {
        case female, male
    }

    /// Years.
    public var age: Double
    public var gender: Gender
    /// The network's probability for `gender` (0.5…1).
    public var genderConfidence: Double

    public init(age: Double, gender: Gender, genderConfidence: Double) {
        self.age = age
        self.gender = gender
        self.genderConfidence = genderConfidence
    }
}
