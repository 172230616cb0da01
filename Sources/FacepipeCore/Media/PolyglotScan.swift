/// Finds a second format riding inside an accepted image: a polyglot. An image with a ZIP
/// archive appended still decodes as an image, and one with HTML or script in a comment or
/// text chunk is still a valid PNG or JPEG, but either can be opened as the other thing by
/// whoever handles the original (an unzip tool, a server or browser that sniffs). Originals
/// are kept byte for byte as evidence, so such a file is refused rather than changed.
///
/// What counts, chosen so that compressed pixel data never matches by chance (a 20 MB JPEG is
/// 20 million positions; a 4-byte pattern would match about 1 file in 200):
/// - a ZIP end-of-central-directory record (`PK\5\6` + 18 bytes) that ends the file exactly
///   (after its own comment), which is where every ZIP reader looks for it; or one in the last
///   64 KiB with bytes after it (readers scan back for it and skip the junk) whose central
///   directory, just before it, starts with its own signature `PK\1\2` (pixel data does not
///   carry both by chance);
/// - `<script`, `<iframe`, `<object`, `<embed`, `<?php` or `<html` followed by a space, tab,
///   line break, `/` or `>`; `<svg` followed by such a separator and a letter (an attribute);
///   an event handler (`onload=`, `onerror=` …) or `javascript:` — all in any case, 6 bytes or
///   more. XMP packets (`<?xpacket`, `<x:xmpmeta`) pass. An SVG or HTML file named `.jpg` is
///   refused before this, by its magic bytes.
///
/// Linear in the file's size; runs on bytes already on disk (the upload spool).
public enum PolyglotScan {
    /// Tags that run or embed something, each counted when a separator follows it.
    static let tags: [[UInt8]] = ["<script", "<iframe", "<object", "<embed", "<?php", "<html"].map { Array($0.utf8) }
    /// Attributes and URLs that run script wherever markup is parsed, counted as they are.
    static let handlers: [[UInt8]] = ["onload=", "onerror=", "onclick=", "onmouseover=", "onfocus=", "onanimationstart=",
                                      "javascript:"].map { Array($0.utf8) }
    /// What may follow a tag's name in markup a browser parses.
    static let separators: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0C, 0x0D, 0x2F, 0x3E]  // space \t \n \f \r / >

    /// What was found, for the error message; nil for a plain image.
    public static func find(in bytes: UnsafeRawBufferPointer) -> String? {
        if endsWithZipDirectory(bytes) { return "a ZIP archive" }
        let count = bytes.count
        func lowered(_ at: Int) -> UInt8 {
            let byte = bytes[at]
            return (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
        }
        func matches(_ pattern: [UInt8], at index: Int) -> Bool {
            guard index + pattern.count <= count else { return false }
            for offset in pattern.indices where lowered(index + offset) != pattern[offset] { return false }
            return true
        }
        func name(_ pattern: [UInt8]) -> String { String(decoding: pattern.prefix { $0 != 0x3D && $0 != 0x3A }, as: UTF8.self) }
        for index in 0..<count {
            switch lowered(index) {
            case 0x3C:  // "<"
                for tag in tags where index + tag.count < count && matches(tag, at: index) && separators.contains(bytes[index + tag.count]) {
                    return "\(name(tag)) markup"
                }
                // `<svg onload=…>`: an SVG element with an attribute.
                if index + 5 < count, matches(Array("<svg".utf8), at: index), separators.contains(bytes[index + 4]),
                   (0x61...0x7A).contains(lowered(index + 5)) {
                    return "<svg markup"
                }
            case 0x6F, 0x6A:  // "o", "j"
                for handler in handlers where matches(handler, at: index) { return "\(name(handler)) script" }
            default:
                continue
            }
        }
        return nil
    }

    /// A ZIP's end-of-central-directory record: 22 bytes plus a comment of up to 65,535 bytes,
    /// the last thing in the file, or followed by junk but then preceded by its central
    /// directory (`PK\1\2` where the record says the directory starts, counted back from it).
    static func endsWithZipDirectory(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        guard count >= 22 else { return false }
        func uint32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        var start = count - 22
        let lowest = max(0, count - 22 - 65_535)
        while start >= lowest {
            if bytes[start] == 0x50, bytes[start + 1] == 0x4B, bytes[start + 2] == 5, bytes[start + 3] == 6 {
                let comment = Int(bytes[start + 20]) | Int(bytes[start + 21]) << 8
                if start + 22 + comment == count { return true }
                let directorySize = uint32(start + 12)
                let directory = start - directorySize
                if directorySize >= 46, directory >= 0, bytes[directory] == 0x50, bytes[directory + 1] == 0x4B,
                   bytes[directory + 2] == 1, bytes[directory + 3] == 2 {
                    return true
                }
            }
            start -= 1
        }
        return false
    }
}
