import FacepipeCore
import Foundation
import Testing

@Suite struct PolyglotScanTests {
    func find(_ bytes: [UInt8]) -> String? { bytes.withUnsafeBytes(PolyglotScan.find) }

    @Test func aZipDirectoryEndingTheFileIsFoundWithOrWithoutItsComment() {
        let image = [UInt8](repeating: 0xAB, count: 5000)
        let directory: [UInt8] = [0x50, 0x4B, 5, 6] + [UInt8](repeating: 0, count: 16)
        #expect(find(image + directory + [0, 0]) == "a ZIP archive")
        #expect(find(image + directory + [3, 0] + Array("hi!".utf8)) == "a ZIP archive")
        // The same record not at the end (its comment length does not reach the end): pixel data.
        #expect(find(image + directory + [0, 0] + image) == nil)
    }

    @Test func runnableMarkupIsFoundInAnyCaseAndXMPPasses() {
        #expect(find(Array("xx<ScRiPt>alert(1)".utf8)) == "<script markup")
        #expect(find(Array("<?php system($_GET['c']);".utf8)) == "<?php markup")
        #expect(find(Array("<HTML><body>".utf8)) == "<html markup")
        #expect(find(Array(#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">"#.utf8)) == nil)
        #expect(find(Array("<htmlish".utf8)) == nil)
        #expect(find(Array("<scrip".utf8)) == nil, "a tag cut by the end of the file")
    }
}
