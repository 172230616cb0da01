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
        #expect(try MediaKey.original(id: id, ext: "JPG", date: date).rawValue
            == "originals/2026/11/0f8fad5b-d9cb-469f-a165-70867728950e.jpg")
        #expect(try MediaKey.thumbnail(id: id, variant: "medium", ext: ".webp").rawValue
            == "thumbnails/medium/0f8fad5b-d9cb-469f-a165-70867728950e.webp")
        #expect(try MediaKey.processed(id: id, digest: "00ab12cd34ef5678", ext: "JPG", date: date).rawValue
            == "processed/2026/11/0f8fad5b-d9cb-469f-a165-70867728950e-00ab12cd34ef5678.jpg")
        #expect(try MediaKey.temporary(id: id, ext: "bin").rawValue == "tmp/0f8fad5b-d9cb-469f-a165-70867728950e.bin")
        #expect(try MediaKey.processed(id: id, digest: "ff", ext: "webp", date: date).pathExtension == "webp")
    }

    @Test(arguments: ["", ".", "jp/g", "../x", "toolongextension", "jp g"])
    func refusesOddExtensions(ext: String) {
        #expect(throws: MediaKeyError.invalidExtension) { try MediaKey.processed(id: UUID(), digest: "ab", ext: ext, date: Date()) }
    }

    @Test(arguments: ["", "../x", "zz", String(repeating: "a", count: 33)])
    func refusesDigestsThatAreNotShortHex(digest: String) {
        #expect(throws: MediaKeyError.self) { try MediaKey.processed(id: UUID(), digest: digest, ext: "jpg", date: Date()) }
    }

    @Test func variantMustBeOneSegment() {
        #expect(throws: MediaKeyError.dotSegment) { try MediaKey.thumbnail(id: UUID(), variant: "..", ext: "webp") }
    }
}
