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

    /// Issue 22 item 12: spellings the first version let through.
    @Test func svgHandlersHtmlWithALineBreakAndAZipWithATrailingByteAreFound() {
        #expect(find(Array("xx<svg onload=alert(1)>".utf8)) == "<svg markup")
        #expect(find(Array("<SVG/onload=alert(1)>".utf8)) == "<svg markup")
        #expect(find(Array("<html\n<body>".utf8)) == "<html markup")
        #expect(find(Array("<img src=x OnError=alert(1)>".utf8)) == "onerror script")
        #expect(find(Array("<a href=javascript:alert(1)>".utf8)) == "javascript script")
        #expect(find(Array("<svgz".utf8)) == nil)
        // A real ZIP (one stored file) appended to an image, then one byte more: unzip still opens it.
        let image = [UInt8](repeating: 0xAB, count: 5000)
        let name = Array("a.txt".utf8)
        let local: [UInt8] = [0x50, 0x4B, 3, 4] + [UInt8](repeating: 0, count: 22) + [UInt8(name.count), 0, 0, 0] + name
        let central: [UInt8] = [0x50, 0x4B, 1, 2] + [UInt8](repeating: 0, count: 24) + [UInt8(name.count), 0] + [UInt8](repeating: 0, count: 16) + name
        var end: [UInt8] = [0x50, 0x4B, 5, 6, 0, 0, 0, 0, 1, 0, 1, 0]
        end += withUnsafeBytes(of: UInt32(central.count).littleEndian, Array.init)
        end += withUnsafeBytes(of: UInt32(local.count).littleEndian, Array.init) + [0, 0]
        #expect(find(image + local + central + end + [0x0A]) == "a ZIP archive")
        #expect(find(image + local + central + end) == "a ZIP archive")
    }
}
