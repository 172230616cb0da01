import FacepipeCore
import Testing

@Suite struct FileNameCleaningTests {
    @Test func longNamesKeepTheirExtensionWithin255Bytes() throws {
        let long = String(repeating: "ж", count: 300) + ".jpeg"
        let cleaned = try #require(FileName.clean(long))
        #expect(cleaned.utf8.count <= 255 && cleaned.hasSuffix(".jpeg"))
        #expect(FileName.clean(String(repeating: "a", count: 400))?.utf8.count == 255)
    }

    @Test func nothingReadableIsNil() {
        for raw in [nil, "", "   ", "/", "a/", "..", "../..", "\u{0}\u{1}", "\u{202E}\u{2066}"] as [String?] {
            #expect(FileName.clean(raw) == nil, "\(String(describing: raw?.debugDescription))")
        }
        #expect(FileName.clean("x\u{200B}y.png") == "xy.png")
    }

    /// Found by `scripts/fuzz.sh` (FuzzUploadRequest): a name of 100 undecodable bytes and two
    /// control characters was cut to 255 bytes right after a control-turned-space, so the
    /// cleaned name ended in a space and cleaning it again changed it.
    @Test func cleaningACutNameTwiceChangesNothing() throws {
        let hex = "051cffffffffffffffffffffffffffffffffffffffffffffffffff828282ffffffffffffff6dffff828282ffffffffffffffffffffffff828282ffffffffffffffffffffffff82828282828282828282ffffffffffffff03828282828282828282ffffffff"
        let bytes = stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
        let raw = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        let cleaned = try #require(FileName.clean(raw))
        #expect(cleaned.utf8.count <= FileName.maxBytes)
        #expect(!cleaned.hasSuffix(" ") && !cleaned.hasPrefix(" "))
        #expect(FileName.clean(cleaned) == cleaned)
    }

    /// Found by `make test`'s fuzzing run in CI (FuzzUploadRequest): "/" followed by a zero-width
    /// joiner is one Character, so the split on Characters kept it and removing the joiner
    /// left a bare "/" in the cleaned name.
    @Test func aSlashJoinedToAnInvisibleCharacterIsStillASeparator() throws {
        let hex = "2fe2808dae76786565e2808d63652c616a2e65786565e2808dae766fffff63652c"
        let bytes = stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
        let cleaned = try #require(FileName.clean(String(decoding: bytes, as: UTF8.self)))
        #expect(!cleaned.unicodeScalars.contains { $0 == "/" || $0 == "\\" }, "\(cleaned)")
        #expect(FileName.clean("../\u{200D}../etc/passwd.jpg") == "passwd.jpg")
        #expect(FileName.clean("a/\u{0301}b.png") == "\u{0301}b.png", "a combining mark after the separator stays with the name")
    }
}
