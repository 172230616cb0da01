/// Finds a second format riding inside an accepted image: a polyglot. An image with a ZIP
/// archive appended still decodes as an image, and one with HTML or script in a comment or
/// text chunk is still a valid PNG or JPEG, but either can be opened as the other thing by
/// whoever handles the original (an unzip tool, a server or browser that sniffs). Originals
/// are kept byte for byte as evidence, so such a file is refused rather than changed.
///
/// What counts, chosen so that compressed pixel data never matches by chance (a 20 MB JPEG is
/// 20 million positions; a 4-byte pattern would match about 1 file in 200):
/// - a ZIP end-of-central-directory record (`PK\5\6` + 18 bytes) that ends the file exactly
///   (after its own comment), which is where every ZIP reader looks for it;
/// - `<script`, `<iframe`, `<?php` or `<html` followed by `>` or a space, in any case (6 bytes
///   or more). XMP packets (`<?xpacket`, `<x:xmpmeta`) pass. An SVG or HTML file named `.jpg`
///   is refused before this, by its magic bytes.
///
/// Linear in the file's size; runs on bytes already on disk (the upload spool).
public enum PolyglotScan {
    static let markup: [[UInt8]] = ["<script", "<iframe", "<?php", "<html>", "<html "].map { Array($0.utf8) }

    /// What was found, for the error message; nil for a plain image.
    public static func find(in bytes: UnsafeRawBufferPointer) -> String? {
        if endsWithZipDirectory(bytes) { return "a ZIP archive" }
        let count = bytes.count
        var index = 0
        while index < count {
            if bytes[index] == 0x3C {  // "<"
                for tag in markup where index + tag.count <= count {
                    var matches = true
                    for offset in 1..<tag.count {
                        let byte = bytes[index + offset]
                        let lowered = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
                        if lowered != tag[offset] { matches = false; break }
                    }
                    if matches { return "\(String(decoding: tag.prefix { $0 != 0x3E && $0 != 0x20 }, as: UTF8.self)) markup" }
                }
            }
            index += 1
        }
        return nil
    }

    /// A ZIP's end-of-central-directory record: 22 bytes plus a comment of up to 65,535 bytes,
    /// the last thing in the file.
    static func endsWithZipDirectory(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        guard count >= 22 else { return false }
        var start = count - 22
        let lowest = max(0, count - 22 - 65_535)
        while start >= lowest {
            if bytes[start] == 0x50, bytes[start + 1] == 0x4B, bytes[start + 2] == 5, bytes[start + 3] == 6 {
                let comment = Int(bytes[start + 20]) | Int(bytes[start + 21]) << 8
                if start + 22 + comment == count { return true }
            }
            start -= 1
        }
        return false
    }
}
