import Testing

@testable import Imaging

/// Mask boxes must be deface's: `scale_bb` then clipping. Expected values
/// come from deface 1.5.0's own `scale_bb` run under numpy.
@Suite struct AnonymizationMaskTests {
    static func mask(
        _ x: Double, _ y: Double, _ width: Double, _ height: Double, scale: Double = 1.3
    ) -> AnonymizationMask? {
        AnonymizationMask(
            x: x, y: y, width: width, height: height, maskScale: scale, imageWidth: 200,
            imageHeight: 160)
    }

    @Test func growsEachSideByScaleMinusOne() {
        // 40 px box, 1.3: every side moves 12 px out → 64 px (1.6×).
        #expect(Self.mask(80, 60, 40, 40) == AnonymizationMask(x: 68, y: 48, width: 64, height: 64))
        // Half-way cases round to even, as numpy does: 8.5 → 8, 16.5 → 16.
        #expect(Self.mask(10, 10, 5, 5) == AnonymizationMask(x: 8, y: 8, width: 8, height: 8))
        // Corners are truncated to integers before growing.
        #expect(
            Self.mask(12.75, 7.5, 37.75, 25.75, scale: 1.15)
                == AnonymizationMask(x: 6, y: 3, width: 50, height: 34))
        #expect(
            Self.mask(80, 60, 40, 40, scale: 1)
                == AnonymizationMask(x: 80, y: 60, width: 40, height: 40))
    }

    @Test func clipsToTheImage() {
        // scale_bb gives (-70, -10)…(230, 140) on a 200 × 160 image.
        #expect(Self.mask(30, 40, 100, 50, scale: 2) == AnonymizationMask(x: 0, y: 0, width: 200, height: 140))
        #expect(Self.mask(190, 150, 40, 40) == AnonymizationMask(x: 178, y: 138, width: 22, height: 22))
        #expect(Self.mask(500, 500, 10, 10) == nil)
        #expect(Self.mask(-50, 20, 10, 10) == nil)
        #expect(Self.mask(20, 20, 0, 0) == nil)
    }

    @Test func blurMatchesDefaceKernelSpread() {
        // cv2.blur with a (w/2) × (h/2) box: σ = √((k² − 1) / 12).
        let sigma = AnonymizationMask(x: 0, y: 0, width: 64, height: 20).blurSigma
        #expect(abs(sigma.x - (1023.0 / 12).squareRoot()) < 1e-9)
        #expect(abs(sigma.y - (99.0 / 12).squareRoot()) < 1e-9)
        #expect(AnonymizationMask(x: 0, y: 0, width: 1, height: 3).blurSigma == (0.5, 0.5))
    }
}
