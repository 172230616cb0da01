import Foundation
import Imaging

/// Real documents made at test time: PDFs written object by object (text pages, a page with an
/// embedded JPEG photo, and hostile ones), and multi-page TIFFs written tag by tag.
enum TestDocuments {
    /// One PDF page: its text, an optional JPEG drawn on it, and its media box in points.
    struct Page {
        var text: String
        var jpeg: (data: Data, width: Int, height: Int)?
        var mediaBox = (width: 612.0, height: 792.0)
    }

    /// A PDF with `pages`, an info dictionary (title, author, creator, producer: what must not
    /// reach any derived file), and optionally an `/Encrypt` dictionary whose password nobody
    /// knows or a JavaScript action run on opening (by readers that run scripts; poppler doesn't).
    static func pdf(_ pages: [Page], encrypted: Bool = false, javaScript: Bool = false,
                    info: String = "/Title (Secret Title) /Author (Jane Author) /Creator (FakeWriter) /Producer (FakeProducer)") -> Data {
        var objects: [Data] = []
        func add(_ text: String, stream: Data? = nil) -> Int {
            var data = Data(text.utf8)
            if let stream {
                data += Data("\nstream\n".utf8) + stream + Data("\nendstream".utf8)
            }
            objects.append(data)
            return objects.count
        }
        let font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        // Placeholders: catalog = 2 + …, filled in once page ids are known.
        let pagesID = add("")
        var kids: [Int] = []
        var shared: Int?
        for (index, page) in pages.enumerated() {
            var content = "BT /F1 20 Tf 50 \(Int(page.mediaBox.height) - 60) Td (\(page.text)) Tj ET\n"
            var resources = "/Font << /F1 \(font) 0 R >>"
            if let jpeg = page.jpeg {
                let image = add("<< /Type /XObject /Subtype /Image /Width \(jpeg.width) /Height \(jpeg.height) /ColorSpace /DeviceRGB "
                                + "/BitsPerComponent 8 /Filter /DCTDecode /Length \(jpeg.data.count) >>", stream: jpeg.data)
                let width = 300.0, height = width * Double(jpeg.height) / Double(jpeg.width)
                content += "q \(width) 0 0 \(height) 150 150 cm /Im\(index) Do Q\n"
                resources += " /XObject << /Im\(index) \(image) 0 R >>"
            }
            let stream = Data(content.utf8)
            // Thousands of identical pages share one content stream (the file stays small).
            let contentID: Int
            if pages.count > 100, let shared {
                contentID = shared
            } else {
                contentID = add("<< /Length \(stream.count) >>", stream: stream)
                shared = contentID
            }
            kids.append(add("<< /Type /Page /Parent \(pagesID) 0 R /MediaBox [0 0 \(page.mediaBox.width) \(page.mediaBox.height)] "
                            + "/Resources << \(resources) >> /Contents \(contentID) 0 R >>"))
        }
        objects[pagesID - 1] = Data("<< /Type /Pages /Kids [\(kids.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(kids.count) >>".utf8)
        var catalog = "<< /Type /Catalog /Pages \(pagesID) 0 R"
        if javaScript {
            let script = add("<< /S /JavaScript /JS (app.alert\\('opened'\\); this.submitForm\\('http://127.0.0.1:9/x'\\);) >>")
            catalog += " /OpenAction \(script) 0 R"
        }
        let catalogID = add(catalog + " >>")
        let infoID = add("<< \(info) >>")
        var encryptRef = ""
        if encrypted {
            let o = String(repeating: "A7", count: 32), u = String(repeating: "5C", count: 32)
            let encrypt = add("<< /Filter /Standard /V 1 /R 2 /O <\(o)> /U <\(u)> /P -3904 >>")
            encryptRef = " /Encrypt \(encrypt) 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]"
        }
        var file = Data("%PDF-1.4\n%\u{e2}\u{e3}\u{cf}\u{d3}\n".utf8)
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(file.count)
            file += Data("\(index + 1) 0 obj\n".utf8) + object + Data("\nendobj\n".utf8)
        }
        let xref = file.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { table += String(format: "%010d 00000 n \n", offset) }
        table += "trailer\n<< /Size \(objects.count + 1) /Root \(catalogID) 0 R /Info \(infoID) 0 R\(encryptRef) >>\nstartxref\n\(xref)\n%%EOF\n"
        return file + Data(table.utf8)
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
