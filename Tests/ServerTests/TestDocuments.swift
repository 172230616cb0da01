import Foundation
import Imaging

import TestSupport

/// Real documents made at test time: PDFs (`SamplePDF`, also used by `facepipe bench documents`)
/// and multi-page TIFFs written tag by tag.
enum TestDocuments {
    typealias Page = SamplePDF.Page

    static func pdf(_ pages: [Page], encrypted: Bool = false, javaScript: Bool = false) -> Data {
        SamplePDF.make(pages, encrypted: encrypted, javaScript: javaScript)
    }

    /// A baseline TIFF (little-endian, uncompressed 8-bit RGB, one strip per page) with one IFD
    /// per page.
    static func tiff(_ pages: [RGBPixels]) -> Data {
        var file = Data([0x49, 0x49, 0x2A, 0x00, 0, 0, 0, 0])
        func le16(_ value: Int) -> Data { Data([UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)]) }
        func le32(_ value: Int) -> Data { le16(value & 0xFFFF) + le16(value >> 16 & 0xFFFF) }
        var previousNext = 4  // where the offset of the next IFD goes
        for page in pages {
            let pixelsAt = file.count
            file += Data(page.pixels)
            let bitsAt = file.count
            file += le16(8) + le16(8) + le16(8)
            if file.count % 2 == 1 { file.append(0) }
            let ifd = file.count
            file.replaceSubrange(previousNext..<previousNext + 4, with: le32(ifd))
            let entries: [(tag: Int, type: Int, count: Int, value: Int)] = [
                (256, 4, 1, page.width), (257, 4, 1, page.height), (258, 3, 3, bitsAt), (259, 3, 1, 1), (262, 3, 1, 2),
                (273, 4, 1, pixelsAt), (277, 3, 1, 3), (278, 4, 1, page.height), (279, 4, 1, page.pixels.count), (284, 3, 1, 1),
            ]
            file += le16(entries.count)
            for entry in entries {
                file += le16(entry.tag) + le16(entry.type) + le32(entry.count)
                file += entry.type == 3 && entry.count == 1 ? le16(entry.value) + le16(0) : le32(entry.value)
            }
            previousNext = file.count
            file += le32(0)
        }
        return file
    }
}
