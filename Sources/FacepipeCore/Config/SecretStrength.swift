/// Refuses secrets nobody chose: a template's placeholder (`CHANGE-ME…`) or a value with too
/// little variety to be random (`ssss…`, `abababab…`). A signing or webhook secret that an
/// attacker can guess lets them forge media URLs or webhook signatures, so the process must not
/// start with one, however healthy it would otherwise look.
public enum SecretStrength {
    /// Words that only a template or an example puts in a secret.
    /// Long enough that a random value (hex, base64) contains one with negligible probability
    /// (the shortest, 7 letters, about 1 in 10^10 per position in base64).
    static let placeholderWords = ["change-me", "changeme", "change_me", "replace", "placeholder", "example", "xxxxxxxx",
                                   "secret-here", "your-secret"]
    /// A random 32-character value in hex has ~14 distinct characters (fewer than 8 with
    /// probability ~3.5e-8); in base64, ~24.
    static let minimumDistinctCharacters = 8

    /// nil when `secret` is acceptable, else why not (for a `ConfigError`'s "expected").
    public static func problem(_ secret: String, minimumLength: Int) -> String? {
        if secret.utf8.count < minimumLength { return "at least \(minimumLength) characters" }
        let lowered = secret.lowercased()
        if let word = placeholderWords.first(where: { lowered.contains($0) }) {
            return "a random value, not a placeholder (it contains \"\(word)\"): e.g. `openssl rand -hex 32`"
        }
        if Set(secret.unicodeScalars).count < minimumDistinctCharacters {
            return "a random value (at least \(minimumDistinctCharacters) distinct characters): e.g. `openssl rand -hex 32`"
        }
        return nil
    }

    /// Throws a `ConfigError` naming `variable` when `secret` is not acceptable.
    public static func check(_ secret: String?, variable: String, minimumLength: Int) throws {
        guard let secret, let problem = problem(secret, minimumLength: minimumLength) else { return }
        throw ConfigError(variable: variable, value: "(\(secret.utf8.count) characters, not shown)", expected: problem)
    }
}
