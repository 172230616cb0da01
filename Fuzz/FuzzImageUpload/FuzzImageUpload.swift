import FacepipeCore
import Foundation
import Imaging

/// libFuzzer target: what an uploaded file goes through before it is stored — type sniffing,
/// the name/type agreement check, the header probe and pixel limits, the strict full decode,
/// and the metadata-free re-encode every derived file is made by. Any input must be accepted
/// or refused with an error, never trap; an accepted one must re-encode without metadata.
/// libvips itself is Debian's build (not instrumented): coverage guides through the Swift side
/// and the C wrappers, and AddressSanitizer watches every buffer they hand over.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageUpload(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Data(bytes: data, count: size)
    _ = try? VipsRuntime.start()
    let sniffed = MediaType.sniffImage(bytes.prefix(64))
    guard let accepted = try? UploadTypeCheck.check(sniffed: sniffed, filename: "upload.jpg", declaredMimeType: "image/jpeg") else {
        return 0
    }
    let limits = ImageLimits(maxWidth: 4096, maxHeight: 4096, maxPixels: 4_000_000)
    guard (try? ImageValidator.validate(bytes, limits: limits)) != nil,
          let decoded = try? DecodedImage(bytes, maxDimension: 256, limits: limits)
    else { return 0 }
    let format = EncodeFormat.preserving(accepted.type, quality: 80)
    for output in [try? decoded.encoded(as: format), try? decoded.thumbnail(ThumbnailSpec(width: 64, height: 64))] {
        guard let output else { continue }
        for marker in ["Exif\u{0}\u{0}", "<x:xmpmeta", "http://ns.adobe.com/xap/", "Photoshop 3.0"] {
            precondition(output.data.range(of: Data(marker.utf8)) == nil, "a derived file kept metadata (\(marker))")
        }
    }
    return 0
}
