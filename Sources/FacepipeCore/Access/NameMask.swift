/// Masks a person's name for callers who may not see it (seed 000: "Vlxxxr Gxa"): each part
/// keeps its first letters and its last letter. Long parts keep two letters and always show
/// "xxx" in the middle, so the mask does not tell the name's length.
public enum NameMask {
    public static func mask(_ name: String) -> String {
        name.split(separator: " ", omittingEmptySubsequences: true).map { part in
            let letters = Array(part)
            switch letters.count {
            case 0: return ""
            case 1: return "x"
            case 2: return String(letters[0]) + "x"
            case 3, 4: return String(letters[0]) + String(repeating: "x", count: letters.count - 2) + String(letters[letters.count - 1])
            default: return String(letters[0...1]) + "xxx" + String(letters[letters.count - 1])
            }
        }.joined(separator: " ")
    }
}
