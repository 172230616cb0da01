import FacepipeCore
import Foundation
import Testing

/// One enum names every format: what is stored and served under which type and extension, and
/// which names and declared types a client may use for it.
struct MediaTypeTests {
    @Test func storedFilesKeepTheirTypesAndExtensions() {
        let expected: [MediaType: (String, String)] = [
            .jpeg: ("image/jpeg", "jpg"), .png: ("image/png", "png"), .webp: ("image/webp", "webp"), .gif: ("image/gif", "gif"),
            .heif: ("image/heic", "heic"), .avif: ("image/avif", "avif"), .tiff: ("image/tiff", "tif"), .pdf: ("application/pdf", "pdf"),
        ]
        #expect(Set(expected.keys) == Set(MediaType.allCases))
        for (type, (mime, ext)) in expected {
            #expect(type.mimeType == mime && type.fileExtension == ext, "\(type)")
            // A stored file's extension leads back to its type (the media route's Content-Type).
            #expect(MediaType(fileExtension: ext) == type && MediaType(mimeType: mime) == type)
        }
    }

    @Test func clientsOtherNamesForAFormatAreUnderstood() {
        #expect(MediaType(mimeType: "image/pjpeg") == .jpeg && MediaType(mimeType: "IMAGE/JPG; charset=x") == .jpeg)
        #expect(MediaType(mimeType: "image/heif-sequence") == .heif && MediaType(fileExtension: "HIF") == .heif)
        #expect(MediaType(fileExtension: "jfif") == .jpeg && MediaType(fileExtension: "tiff") == .tiff)
        #expect(MediaType(mimeType: "text/html") == nil && MediaType(fileExtension: "php") == nil && MediaType(fileExtension: "") == nil)
    }

    @Test func uploadsAndDocumentsAreRecognisedByTheirBytes() {
        #expect(MediaType.sniffImage([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(MediaType.sniffImage(Array("....ftypheic....".utf8)) == .heif)
        #expect(MediaType.sniffImage(Array("RIFF....WEBPVP8 ".utf8)) == .webp)
        // Documents are not images to the upload route, and a PDF's header may follow junk.
        let pdf = Array(repeating: UInt8(ascii: " "), count: 100) + Array("%PDF-1.7".utf8)
        #expect(MediaType.sniffImage(pdf) == nil && MediaType.sniffDocument(pdf) == .pdf)
        #expect(MediaType.sniffDocument([0x49, 0x49, 0x2A, 0x00]) == .tiff && MediaType.sniffImage([0x49, 0x49, 0x2A, 0x00]) == nil)
        #expect(MediaType.uploadableImages.allSatisfy { !MediaType.documents.contains($0) || [.jpeg, .png].contains($0) })
    }

    @Test func aDocumentNamedAsAnotherFormatIsRefused() throws {
        try MediaType.pdf.checkName("scan.PDF")
        #expect(throws: APIError.self) { try MediaType.pdf.checkName("scan.jpg") }
    }
}
