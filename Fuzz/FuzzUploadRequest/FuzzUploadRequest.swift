import FacepipeCore
import Foundation

/// libFuzzer target: the text an upload request carries besides the file — its file name, its
/// declared type, and the anonymization options body (`POST /images/{id}/process`). Each must be
/// cleaned, accepted or refused with an error, never trap; a cleaned name is never a path.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUploadRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Data(bytes: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)
    // Split the input into a name and a declared type, as a multipart part header has them.
    let parts = text.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    let name = parts[0], declared = parts.count > 1 ? parts[1] : nil
    if let cleaned = FileName.clean(name) {
        precondition(!cleaned.unicodeScalars.contains { $0 == "/" || $0 == "\\" } && cleaned != "." && cleaned != "..",
                     "path left in \(cleaned)")
        precondition(!cleaned.unicodeScalars.contains { $0.properties.generalCategory == .control }, "control character left")
        precondition(cleaned.utf8.count <= 255, "name longer than 255 bytes")
        precondition(FileName.clean(cleaned) == cleaned, "cleaning is not idempotent")
    }
    for type in MediaType.uploadableImages {
        _ = try? UploadTypeCheck.check(sniffed: type, filename: name, declaredMimeType: declared)
    }
    _ = MediaType.sniffDocument(Array(bytes.prefix(16)))
    if let overrides = try? JSONDecoder().decode(AnonymizeSettings.Overrides.self, from: bytes),
       let settings = try? AnonymizeSettings.resolve(overrides, over: .seed002)
    {
        // Accepted options pass their own check, and what answers echo back (`overrides`)
        // names the same variant whatever the service default is.
        precondition((try? settings.check()) != nil, "resolved options fail their check")
        let echoed = try? AnonymizeSettings.resolve(settings.overrides, over: .deface)
        precondition(echoed?.digest == settings.digest, "options changed variant on a round trip")
    }
    return 0
}
