import Foundation
import Testing

@testable import Storage

@Suite struct MediaKeyTests {
    @Test(arguments: [
        "originals/2026/11/0f8fad5b-d9cb-469f-a165-70867728950e.jpg",
        "thumbnails/medium/x.webp",
        "processed/x.webp",
        "tmp/upload.bin",
        "a",
        "with space/ünïcødé €.jpg",
        "dots.in.name/..hidden...jpg",
    ])
    func acceptsRelativeKeys(raw: String) throws {
        #expect(try MediaKey(raw).rawValue == raw)
    }

    @Test(arguments: [
        ("", MediaKeyError.empty),
        ("/etc/passwd", .absolute),
        ("../etc/passwd", .dotSegment),
        ("originals/../../x", .dotSegment),
        ("originals/./x", .dotSegment),
        ("..", .dotSegment),
        ("originals//x", .emptySegment),
        ("originals/", .emptySegment),
        ("originals\\x", .backslash),
        ("nul\u{0}byte", .controlCharacter),
        ("new\nline", .controlCharacter),
        ("del\u{7F}", .controlCharacter),
        ("c1\u{85}", .controlCharacter),
        (String(repeating: "a", count: 256), .tooLong),
        (String(repeating: "abcdefg/", count: 70), .tooLong),
    ])
    func rejectsUnsafeKeys(raw: String, error: MediaKeyError) {
        #expect(throws: error) { try MediaKey(raw) }
    }

    @Test func decodingValidatesToo() throws {
        let decoded = try JSONDecoder().decode([MediaKey].self, from: Data(#"["a/b.jpg"]"#.utf8))
        #expect(decoded == [try MediaKey("a/b.jpg")])
        #expect(throws: MediaKeyError.dotSegment) {
            try JSONDecoder().decode([MediaKey].self, from: Data(#"["a/../b.jpg"]"#.utf8))
        }
    }

    @Test func buildsKeysFromAnIDAndADate() throws {
        let id = UUID(uuidString: "0F8FAD5B-D9CB-469F-A165-70867728950E")!
        // 2026-11-30T23:30:00Z: still November in UTC whatever the machine's zone.
        let date = Date(timeIntervalSince1970: 1_796_081_400)
        let original = try MediaKey.original(id: id, ext: "JPG", date: date).rawValue
        #expect(original.wholeMatch(of: /originals\/2026\/11\/0f8fad5b-d9cb-469f-a165-70867728950e-[0-9a-f]{32}\.jpg/) != nil, "\(original)")
        // Random: two originals of one id never share a key.
        #expect(try MediaKey.original(id: id, ext: "jpg", date: date).rawValue != original.lowercased())
        let medium = try MediaKey.thumbnail(id: id, variant: "medium", ext: ".webp", original: original).rawValue
        #expect(medium.wholeMatch(of: /thumbnails\/medium\/0f8fad5b-d9cb-469f-a165-70867728950e-[0-9a-f]{32}\.webp/) != nil, "\(medium)")
        // Derived: the same on a re-run, different per file and per original.
        #expect(try MediaKey.thumbnail(id: id, variant: "medium", ext: "webp", original: original).rawValue == medium)
        let large = try MediaKey.thumbnail(id: id, variant: "large", ext: "webp", original: original).rawValue
        #expect(large.split(separator: "/").last != medium.split(separator: "/").last)
        #expect(try MediaKey.thumbnail(id: id, variant: "medium", ext: "webp", original: original + "x").rawValue != medium)
        let processed = try MediaKey.processed(id: id, digest: "00AB12cd34ef5678", ext: "JPG", date: date, original: original).rawValue
        #expect(processed.wholeMatch(
            of: /processed\/2026\/11\/0f8fad5b-d9cb-469f-a165-70867728950e-00ab12cd34ef5678-[0-9a-f]{32}\.jpg/) != nil, "\(processed)")
        let crop = try MediaKey.faceCrop(id: id, index: 2, original: original).rawValue
        #expect(crop.wholeMatch(of: /faces\/0f8fad5b-d9cb-469f-a165-70867728950e-2-[0-9a-f]{32}\.webp/) != nil, "\(crop)")
        #expect(try MediaKey.temporary(id: id, ext: "bin").rawValue == "tmp/0f8fad5b-d9cb-469f-a165-70867728950e.bin")
        #expect(try MediaKey.processed(id: id, digest: "ff", ext: "webp", date: date, original: original).pathExtension == "webp")
    }

    @Test(arguments: ["", ".", "jp/g", "../x", "toolongextension", "jp g"])
    func refusesOddExtensions(ext: String) {
        #expect(throws: MediaKeyError.invalidExtension) { try MediaKey.processed(id: UUID(), digest: "ab", ext: ext, date: Date(), original: "o") }
    }

    @Test(arguments: ["", "../x", "zz", String(repeating: "a", count: 33)])
    func refusesDigestsThatAreNotShortHex(digest: String) {
        #expect(throws: MediaKeyError.self) { try MediaKey.processed(id: UUID(), digest: digest, ext: "jpg", date: Date(), original: "o") }
    }

    @Test func variantMustBeOneSegment() {
        #expect(throws: MediaKeyError.dotSegment) { try MediaKey.thumbnail(id: UUID(), variant: "..", ext: "webp", original: "o") }
    }
}
