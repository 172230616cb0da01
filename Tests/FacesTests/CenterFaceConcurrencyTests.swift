import FacepipeCore
import Foundation
import Imaging
import Testing

@testable import Faces

/// ONNX Runtime's Run is safe to call concurrently on one session: detections running at once
/// on one detector (and on two detectors) give exactly the sequential results.
@Suite struct CenterFaceConcurrencyTests {
    @Test func simultaneousDetectionsOnOneDetectorAgree() async throws {
        let detector = try DetectorFixtures.detector.get()
        let t1 = try DetectorFixtures.photo("t1.jpg").rgb(maxDimension: 640)
        let obama = try DetectorFixtures.photo("obama.jpg").rgb(maxDimension: 640)
        let expected = [try detector.detect(t1), try detector.detect(obama)]
        let results = try await withThrowingTaskGroup(of: (Int, [FaceDetection]).self) { group in
            for index in 0..<6 {
                group.addTask { (index, try detector.detect(index.isMultiple(of: 2) ? t1 : obama)) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 6)
        for (index, faces) in results {
            #expect(faces == expected[index % 2], "task \(index)")
        }
    }

    @Test func twoDetectorsAtOnceAgree() async throws {
        let runtime = try DetectorFixtures.runtime.get()
        let first = try CenterFaceDetector(runtime: runtime, modelPath: DetectorFixtures.modelPath)
        let second = try CenterFaceDetector(runtime: runtime, modelPath: DetectorFixtures.modelPath, intraOpThreads: 2)
        let pixels = try DetectorFixtures.photo("t1.jpg").rgb(maxDimension: 640)
        async let a = Task.detached { try first.detect(pixels) }.value
        async let b = Task.detached { try second.detect(pixels) }.value
        let (facesA, facesB) = try await (a, b)
        #expect(facesA.count == 6)
        // Two threads split the convolutions differently: equal up to float rounding.
        #expect(facesA.count == facesB.count)
        for (x, y) in zip(facesA, facesB) {
            #expect(abs(x.score - y.score) < 1e-3 && iou(x.box, y.box) > 0.99)
        }
    }
}
