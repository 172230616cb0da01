import FacepipeCore
import Foundation
import Imaging

/// Hostile and broken files, generated at test time (nothing binary is committed): for each
/// image type facepipe writes test files in (JPEG, PNG, WebP, GIF), a truncated copy, a copy
/// with its pixel data overwritten, a decompression bomb (a small file declaring 30,000 ×
/// 30,000 pixels, or WebP's 16,383 × 16,383), EICAR inside the container, a ZIP archive
/// appended (polyglot) and script markup inside; then files that only pretend to be images.
/// Each entry carries the answer README's upload section documents for it.
struct BadInputCorpus {
    struct Entry {
        var name: String
        var filename: String
        var data: Data
        var status: Int
        var code: String
    }

    enum Kind: String, CaseIterable { case jpeg, png, webp, gif }

    static func make() throws -> [Entry] {
        var entries: [Entry] = []
        for kind in Kind.allCases {
            let image = try sample(kind)
            let ext = kind == .jpeg ? "jpg" : kind.rawValue
            func entry(_ what: String, _ data: Data, _ status: Int, _ code: String) -> Entry {
                Entry(name: "\(kind.rawValue) \(what)", filename: "\(what.replacingOccurrences(of: " ", with: "-")).\(ext)",
                      data: data, status: status, code: code)
            }
            entries.append(entry("truncated", image.prefix(image.count * 55 / 100), 422, "corrupt_image"))
            entries.append(entry("corrupt", try corrupt(kind, image), 422, "corrupt_image"))
            entries.append(entry("bomb", try bomb(kind, image), 413, "too_many_pixels"))
            entries.append(entry("eicar inside", try embed(kind, image, TestImages.eicar), 400, "virus_detected"))
            entries.append(entry("zip appended", image + emptyZip, 415, "polyglot"))
            entries.append(entry("script inside", try embed(kind, image, Data("<script>alert(document.cookie)</script>".utf8)), 415, "polyglot"))
        }
        let html = Data("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".utf8)
        let svg = Data(#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>"#.utf8)
        entries += [
            Entry(name: "HTML named .jpg", filename: "photo.jpg", data: html, status: 415, code: "unsupported_type"),
            Entry(name: "SVG named .png", filename: "photo.png", data: svg, status: 415, code: "unsupported_type"),
            Entry(name: "ZIP named .jpg", filename: "photo.jpg", data: emptyZip, status: 415, code: "unsupported_type"),
            Entry(name: "PDF named .jpg", filename: "scan.jpg", data: Data("%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\n".utf8), status: 415, code: "unsupported_type"),
            Entry(name: "JPEG named .exe", filename: "photo.exe", data: try sample(.jpeg), status: 415, code: "extension_mismatch"),
            Entry(name: "JPEG named .html", filename: "photo.html", data: try sample(.jpeg), status: 415, code: "extension_mismatch"),
            Entry(name: "zero bytes", filename: "empty.jpg", data: Data(), status: 400, code: "empty_file"),
            Entry(name: "JPEG header only", filename: "head.jpg", data: Data([0xFF, 0xD8, 0xFF, 0xE0]), status: 422, code: "corrupt_image"),
        ]
        return entries
    }

    /// A 160 × 120 picture of noise in `kind` (large enough for the minimum size).
    static func sample(_ kind: Kind, seed: UInt64 = 7) throws -> Data {
        let pixels = TestImages.noise(width: 160, height: 120, seed: seed)
        switch kind {
        case .jpeg: return try pixels.encoded(as: .jpeg(quality: 80)).data
        case .png: return try pixels.encoded(as: .png).data
        case .webp: return try pixels.encoded(as: .webp(quality: 80)).data
        case .gif: return gif(width: 160, height: 120, seed: seed)
        }
    }

    /// An end-of-central-directory record alone: the smallest file every ZIP reader opens.
    static let emptyZip = Data([0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18))

    /// The image with what its decoder needs destroyed, headers otherwise intact: a JPEG's
    /// Huffman table (counts that add up to more codes than exist; a JPEG whose scan data is
    /// merely damaged still decodes, with grey where the damage is, and is kept as evidence),
    /// or a third of the compressed pixel data of the others overwritten with 0xFF.
    static func corrupt(_ kind: Kind, _ image: Data) throws -> Data {
        var bytes = [UInt8](image)
        let count = bytes.count
        func aThirdOfTheData(from start: Int) -> Range<Int> { start..<min(count - 4, start + count / 3) }
        let damaged: Range<Int>
        switch kind {
        case .jpeg:
            let table = try offset(of: [0xFF, 0xC4], in: bytes)
            damaged = table + 5..<table + 21  // its 16 code counts
        case .png: damaged = aThirdOfTheData(from: try offset(of: Array("IDAT".utf8), in: bytes) + 10)  // inside the zlib stream
        case .webp: damaged = aThirdOfTheData(from: 40)  // inside the VP8 frame, after its header
        case .gif: damaged = aThirdOfTheData(from: gifDescriptor + 14)  // inside the LZW data
        }
        for index in damaged { bytes[index] = 0xFF }
        return Data(bytes)
    }

    /// Where `gif(width:height:seed:)` puts its image descriptor: after the header (13 bytes)
    /// and the 256-colour table. (Searching for 0x2C would find a palette entry first.)
    static let gifDescriptor = 13 + 3 * 256

    /// The image declaring far more pixels than it carries.
    static func bomb(_ kind: Kind, _ image: Data) throws -> Data {
        var bytes = [UInt8](image)
        switch kind {
        case .jpeg:
            let sof = try offset(of: [0xFF, 0xC0], in: bytes)
            bytes.replaceSubrange(sof + 5..<sof + 9, with: [0x75, 0x30, 0x75, 0x30])  // 30000 × 30000, big-endian
        case .png:
            // IHDR: width and height big-endian, then its CRC over type + data.
            bytes.replaceSubrange(16..<24, with: [0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30])
            let crc = crc32(Array(bytes[12..<29]))
            bytes.replaceSubrange(29..<33, with: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
        case .webp:
            // The frame's 14-bit width and height after its start code, and (libvips writes the
            // extended format) the VP8X canvas, 24-bit width − 1 and height − 1: both must agree.
            let code = try offset(of: [0x9D, 0x01, 0x2A], in: bytes)
            bytes.replaceSubrange(code + 3..<code + 7, with: [0xFF, 0x3F, 0xFF, 0x3F])  // 16383 × 16383
            if let canvas = try? offset(of: Array("VP8X".utf8), in: bytes) {
                bytes.replaceSubrange(canvas + 12..<canvas + 18, with: [0xFE, 0x3F, 0x00, 0xFE, 0x3F, 0x00])
            }
        case .gif:
            bytes.replaceSubrange(6..<10, with: [0x30, 0x75, 0x30, 0x75])  // logical screen 30000 × 30000, little-endian
            // The frame's own size is what the loader believes (it ignores a logical screen alone).
            bytes.replaceSubrange(gifDescriptor + 5..<gifDescriptor + 9, with: [0x30, 0x75, 0x30, 0x75])
        }
        return Data(bytes)
    }

    /// `payload` inside the container where a file carries text: a JPEG comment segment, a PNG
    /// tEXt chunk, a WebP chunk of its own (readers skip unknown chunks), a GIF comment extension.
    static func embed(_ kind: Kind, _ image: Data, _ payload: Data) throws -> Data {
        var bytes = [UInt8](image)
        let text = [UInt8](payload)
        switch kind {
        case .jpeg:
            let length = text.count + 2
            bytes.insert(contentsOf: [0xFF, 0xFE, UInt8(length >> 8), UInt8(length & 0xFF)] + text, at: 2)
        case .png:
            let body = Array("tEXt".utf8) + Array("Comment".utf8) + [0] + text
            let crc = crc32(body)
            let chunk = bigEndian(UInt32(body.count - 4)) + body + bigEndian(crc)
            bytes.insert(contentsOf: chunk, at: 33)  // after IHDR
        case .webp:
            let padded = text + (text.count % 2 == 1 ? [0] : [])
            let chunk = Array("NOTE".utf8) + littleEndian(UInt32(text.count)) + padded
            bytes.append(contentsOf: chunk)
            let riff = UInt32(bytes.count - 8)
            bytes.replaceSubrange(4..<8, with: littleEndian(riff))
        case .gif:
            var comment: [UInt8] = [0x21, 0xFE]
            for start in stride(from: 0, to: text.count, by: 255) {
                let block = text[start..<min(text.count, start + 255)]
                comment += [UInt8(block.count)] + block
            }
            comment.append(0)
            bytes.insert(contentsOf: comment, at: gifDescriptor)  // after the global colour table
        }
        return Data(bytes)
    }

    /// A GIF written without LZW compression (a clear code before every 254 literals keeps the
    /// codes 9 bits wide): 256 grey levels, pixels from noise.
    static func gif(width: Int, height: Int, seed: UInt64) -> Data {
        var out: [UInt8] = Array("GIF89a".utf8) + littleEndian16(width) + littleEndian16(height) + [0xF7, 0, 0]
        for level in 0..<256 { out += [UInt8(level), UInt8(level), UInt8(level)] }
        out += [0x2C] + littleEndian16(0) + littleEndian16(0) + littleEndian16(width) + littleEndian16(height) + [0, 8]
        var generator = SplitMix64(seed: seed)
        var codes: [Int] = []
        for index in 0..<(width * height) {
            if index % 254 == 0 { codes.append(256) }
            codes.append(Int(generator.next() & 0xFF))
        }
        codes.append(257)
        var packed: [UInt8] = [], accumulator = 0, bits = 0
        for code in codes {
            accumulator |= code << bits
            bits += 9
            while bits >= 8 { packed.append(UInt8(accumulator & 0xFF)); accumulator >>= 8; bits -= 8 }
        }
        if bits > 0 { packed.append(UInt8(accumulator & 0xFF)) }
        for start in stride(from: 0, to: packed.count, by: 255) {
            let block = packed[start..<min(packed.count, start + 255)]
            out += [UInt8(block.count)] + block
        }
        out += [0, 0x3B]
        return Data(out)
    }

    static func offset(of pattern: [UInt8], in bytes: [UInt8], from start: Int = 0) throws -> Int {
        guard let found = (start..<(bytes.count - pattern.count)).first(where: { bytes[$0..<$0 + pattern.count].elementsEqual(pattern) })
        else { throw CorpusError("pattern \(pattern) not found") }
        return found
    }

    struct CorpusError: Error { let message: String; init(_ message: String) { self.message = message } }

    /// PNG's CRC-32 (ISO 3309, reflected, polynomial 0xEDB88320).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func littleEndian(_ value: UInt32) -> [UInt8] { bigEndian(value).reversed() }
    static func littleEndian16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
}
