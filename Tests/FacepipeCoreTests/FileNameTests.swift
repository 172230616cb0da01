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
}
