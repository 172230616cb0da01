import Foundation

/// Removes the EXIF, XMP and ICC chunks from a WebP file.
///
/// Debian's libvips 8.14 ignores `strip` for WebP and, even with every
/// metadata field removed from the image, writes a fresh EXIF chunk of its own
/// (orientation, resolution, EXIF version). This drops such chunks from the
/// RIFF container and clears their VP8X flags; the image data is untouched.
public enum WebPMetadataStripper {
    static let metadataChunks: Set<String> = ["EXIF", "XMP ", "ICCP"]
    /// VP8X flag bits: ICC profile 0x20, EXIF 0x08, XMP 0x04.
    static let metadataFlags: UInt8 = 0x20 | 0x08 | 0x04

    public static func strip(_ webp: Data) throws -> Data {
        let bytes = [UInt8](webp)
        guard bytes.count >= 12, fourCC(bytes, 0) == "RIFF", fourCC(bytes, 8) == "WEBP" else {
            throw ImagingError.operationFailed("libvips wrote a WebP without a RIFF header")
        }
        var output: [UInt8] = Array(bytes[0..<12])
        var offset = 12
        while offset + 8 <= bytes.count {
            let name = fourCC(bytes, offset)
            let size = Int(littleEndian32(bytes, offset + 4))
            let end = offset + 8 + size + (size & 1)
            guard end <= bytes.count || (end == bytes.count + 1 && size & 1 == 1) else {
                throw ImagingError.operationFailed("WebP chunk \(name) overruns the file")
            }
            if !metadataChunks.contains(name) {
                var chunk = Array(bytes[offset..<min(end, bytes.count)])
                if name == "VP8X", chunk.count > 8 { chunk[8] &= ~metadataFlags }
                output += chunk
            }
            offset = end
        }
        let riffSize = UInt32(output.count - 8)
        for index in 0..<4 { output[4 + index] = UInt8((riffSize >> (8 * UInt32(index))) & 0xFF) }
        return Data(output)
    }

    private static func fourCC(_ bytes: [UInt8], _ offset: Int) -> String {
        String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
    }

    private static func littleEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}
