import FacepipeCore
import Testing

@testable import Imaging

/// A detection on an anonymized copy is a face left only outside every mask.
@Suite struct AnonymizationCheckTests {
    static let face = FaceDetection(x: 100, y: 100, width: 50, height: 60, score: 0.9)

    @Test func hitsOnTheMasksThemselvesAreNotFacesLeft() {
        // The detector fires on the blurred ellipse: same place, a bit larger or smaller.
        let onMask: [FaceDetection] = [FaceDetection(x: 95, y: 92, width: 62, height: 70, score: 0.3), FaceDetection(x: 110, y: 115, width: 30, height: 30, score: 0.2)]
        #expect(AnonymizationCheck.facesLeft(masked: [Self.face], found: onMask, maskScale: 1.3, imageWidth: 400, imageHeight: 400) == 0)
    }

    @Test func aDetectionElsewhereOrMostlyOutsideIsAFaceLeft() {
        let elsewhere = FaceDetection(x: 300, y: 300, width: 40, height: 40, score: 0.8)
        // The mask (scale 1.3) spans x 85…165: this box is three quarters outside it.
        let halfOut = FaceDetection(x: 150, y: 100, width: 60, height: 60, score: 0.6)
        #expect(AnonymizationCheck.facesLeft(masked: [Self.face], found: [elsewhere, halfOut], maskScale: 1.3,
                                             imageWidth: 400, imageHeight: 400) == 2)
        // Without masks (replacewith none) every detection counts.
        #expect(AnonymizationCheck.facesLeft(masked: [], found: [Self.face], maskScale: 1.3, imageWidth: 400, imageHeight: 400) == 1)
    }

    @Test func masksAreClippedToTheImageAsTheAnonymizerClipsThem() {
        // A face at the right edge: the part of a detection beyond the image is not "covered".
        let edge = FaceDetection(x: 370, y: 10, width: 40, height: 40, score: 0.9)
        let found = FaceDetection(x: 372, y: 12, width: 28, height: 36, score: 0.5)
        #expect(AnonymizationCheck.facesLeft(masked: [edge], found: [found], maskScale: 1.3, imageWidth: 400, imageHeight: 400) == 0)
    }
}
