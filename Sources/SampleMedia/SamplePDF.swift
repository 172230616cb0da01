import Foundation

/// PDFs written object by object, for tests and benchmarks: text pages, pages with an embedded
/// JPEG photo, and hostile ones (an `/Encrypt` dictionary whose password nobody knows, a
/// JavaScript action, thousands of pages, a huge media box).
public enum SamplePDF {
    /// One PDF page: its text, an optional JPEG drawn on it, and its media box in points.
    public struct Page: Sendable {
        public var text: String
        public var jpeg: (data: Data, width: Int, height: Int)?
        public var mediaBox: (width: Double, height: Double)

        public init(text: String, jpeg: (data: Data, width: Int, height: Int)? = nil, mediaBox: (width: Double, height: Double) = (612, 792)) {
            self.text = text
            self.jpeg = jpeg
            self.mediaBox = mediaBox
        }
    }

    /// A PDF with `pages`, an info dictionary (title, author, creator, producer: what must not
    /// reach any derived file), and optionally an `/Encrypt` dictionary whose password nobody
    /// knows or a JavaScript action run on opening (by readers that run scripts; poppler doesn't).
    public static func make(_ pages: [Page], encrypted: Bool = false, javaScript: Bool = false,
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

}
