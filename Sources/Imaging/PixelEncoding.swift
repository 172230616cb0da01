import CVips
import Foundation

extension RGBPixels {
    /// Encodes these pixels (8-bit RGB, row-major) as an image file: used for face crops and
    /// to synthesise test images without fixtures.
    public func encoded(as format: EncodeFormat) throws -> EncodedImage {
        guard width >= 1, height >= 1, pixels.count == width * height * 3 else {
            throw ImagingError.invalidArgument("RGB buffer of \(pixels.count) bytes for \(width)×\(height)")
        }
        try VipsRuntime.start()
        let image = try pixels.withUnsafeBytes { buffer in
            try Vips.image(ImagingError.operationFailed) {
                cvips_from_pixels(buffer.baseAddress, buffer.count, Int32(width), Int32(height), 3)
            }
        }
        return try Encoder.encode(image, as: format)
    }
}
