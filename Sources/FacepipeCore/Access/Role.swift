/// What a caller may do, from least to most. Each role can do everything the one below can.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// No credential: the public gallery, public derivatives, health.
    case anonymous
    /// An analyst of the platform: uploads, reads images, face search with masked names.
    case standard
    /// As standard, with names and faces unmasked in face search.
    case gold
    /// Everything: originals, report status, reviews, jobs, keys, audit, erasure.
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Roles a credential can carry (anonymous is the absence of one).
    public static let grantable: [Role] = [.standard, .gold, .admin]
}
