/// A client's name for a file, kept as plain metadata (shown in answers, events and the UI) and
/// never used to build a path or key: media keys come from ids. Cleaning keeps what a person
/// would read and drops what could mislead a reader or a log:
/// - only the last path component (`../../etc/passwd.jpg` → `passwd.jpg`; `\` counts as `/`);
/// - control characters (CR, LF, TAB, NUL, DEL, C1) become spaces; runs of spaces become one;
///   leading and trailing spaces go;
/// - direction overrides and isolates (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) and
///   zero-width characters are removed: `invoice‮gpj.exe.jpg` must not display as `…exe`;
/// - at most 255 UTF-8 bytes (the extension is kept when the stem is cut).
/// Letters of every script stay as they are.
public enum FileName {
    public static let maxBytes = 255

    /// The cleaned name, or nil when nothing readable is left (`../`, only controls).
    public static func clean(_ raw: String?) -> String? {
        guard let raw else { return nil }
        // Split on scalars, not characters: "/" followed by a zero-width joiner or a combining
        // mark is one Character, so a split on Characters would keep it (and removing the
        // joiner below would leave a bare "/").
        let rawScalars = raw.unicodeScalars
        let start = rawScalars.lastIndex { $0 == "/" || $0 == "\\" }.map { rawScalars.index(after: $0) } ?? rawScalars.startIndex
        let last = String(rawScalars[start...])
        var scalars = String.UnicodeScalarView()
        var previousSpace = true  // drops leading spaces
        for scalar in last.unicodeScalars {
            if invisible(scalar) { continue }
            let isSpace = control(scalar) || scalar.properties.isWhitespace
            if isSpace {
                if !previousSpace { scalars.append(" ") }
            } else {
                scalars.append(scalar)
            }
            previousSpace = isSpace
        }
        var name = String(scalars)
        while name.hasSuffix(" ") { name.removeLast() }
        guard !name.isEmpty, name != ".", name != ".." else { return nil }
        return truncated(name)
    }

    static func control(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    static func invisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x061C, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2069, 0xFEFF: true
        default: false
        }
    }

    static func truncated(_ name: String) -> String {
        guard name.utf8.count > maxBytes else { return name }
        let dot = name.lastIndex(of: ".")
        let ext = dot.map { String(name[$0...]) } ?? ""
        let keepExtension = ext.utf8.count <= 16 ? ext : ""
        var stem = dot.map { String(name[..<$0]) } ?? name
        if keepExtension.isEmpty { stem = name }
        while stem.utf8.count + keepExtension.utf8.count > maxBytes { stem.removeLast() }
        // The cut may land after a space: trim it, or the name would change if cleaned again.
        while stem.hasSuffix(" ") { stem.removeLast() }
        return stem + keepExtension
    }
}
