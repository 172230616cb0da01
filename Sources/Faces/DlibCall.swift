import FacepipeCore
import Imaging

/// Calls a CDlib function that reports failure as -1 plus a message in a caller's buffer.
enum DlibCall {
    static let capacity = 1024

    /// nil on success, else the message the C side wrote.
    static func error(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> String? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer in
            let error = buffer.baseAddress!
            error.initialize(to: 0)
            return body(error, capacity) == 0 ? nil : String(cString: error)
        }
    }

    /// The image as CDlib takes it: checked size, tightly packed rows (stride = 3 × width).
    static func withImage<R>(
        _ image: RGBPixels, _ body: (UnsafePointer<UInt8>, Int32, Int32, Int32) throws -> R
    ) throws -> R {
        guard image.width > 0, image.height > 0, image.width <= 1 << 20, image.height <= 1 << 20,
            image.pixels.count == image.width * image.height * 3
        else {
            throw EmbedderError.invalidArgument(
                "RGB pixels \(image.width)×\(image.height) with \(image.pixels.count) bytes")
        }
        return try image.pixels.withUnsafeBufferPointer { pixels in
            try body(pixels.baseAddress!, Int32(image.width), Int32(image.height), Int32(image.width * 3))
        }
    }
}
