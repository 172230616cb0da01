import Foundation
import Imaging

/// libFuzzer target: the WebP metadata stripper (pure Swift, it walks RIFF chunks by their
/// declared sizes). Any input must give a stripped file or an error, never a trap; a stripped
/// file is RIFF/WEBP with a consistent size and no EXIF or XMP chunk left.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebPStrip(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Data(bytes: data, count: size)
    guard let output = try? WebPMetadataStripper.strip(input) else { return 0 }
    let bytes = [UInt8](output)
    precondition(bytes.count >= 12 && bytes[0..<4].elementsEqual("RIFF".utf8) && bytes[8..<12].elementsEqual("WEBP".utf8),
                 "not RIFF/WEBP")
    let declared = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
    precondition(declared + 8 == bytes.count, "RIFF size \(declared) for \(bytes.count) bytes")
    var offset = 12
    while offset + 8 <= bytes.count {
        let fourCC = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
        precondition(fourCC != "EXIF" && fourCC != "XMP ", "\(fourCC) left in the output")
        let length = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16 | Int(bytes[offset + 7]) << 24
        offset += 8 + length + (length & 1)
    }
    return 0
}
