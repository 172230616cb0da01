import FacepipeCore
import Foundation
import Testing

@testable import Imaging

/// Timing on a real-size photo, only when FACEPIPE_ANONYMIZE_BENCH names a
/// JPEG (e.g. a 12 MP one): prints ms per call for each mode, and writes the
/// outputs to FACEPIPE_ANONYMIZE_OUT (a folder) when that is set.
@Suite struct AnonymizerBenchmarkTests {
    static let path = ProcessInfo.processInfo.environment["FACEPIPE_ANONYMIZE_BENCH"]

    @Test(.enabled(if: path != nil)) func sixFaces() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.path!))
        let header = try ImageProbe.probe(data)
        let (w, h) = (Double(header.uprightWidth), Double(header.uprightHeight))
        // Six faces about 8 % of the width, in two rows.
        let faces: [FaceDetection] = (0..<6).map { (index: Int) -> FaceDetection in
            let column = Double(index % 3), row = Double(index / 3)
            let x: Double = w * (0.08 + 0.3 * column)
            let y: Double = h * (0.2 + 0.4 * row)
            return FaceDetection(x: x, y: y, width: w * 0.08, height: w * 0.09, score: 0.9)
        }
        let cases: [(String, AnonymizationOptions, [FaceDetection])] = [
            ("decode+encode only", AnonymizationOptions(mode: .none), []),
            ("blur ellipse", .default, faces),
            ("blur box", AnonymizationOptions(shape: .box), faces),
            ("mosaic ellipse", AnonymizationOptions(mode: .mosaic()), faces),
            ("solid ellipse", AnonymizationOptions(mode: .solid), faces),
            ("blur + scores", AnonymizationOptions(drawScores: true), faces),
        ]
        for format in [EncodeFormat.jpeg(), .webp()] {
            for (name, options, faces) in cases {
                _ = try Anonymizer.anonymize(data, faces: faces, options: options, as: format)
                let runs = 3
                let clock = ContinuousClock()
                let elapsed = try clock.measure {
                    for _ in 0..<runs {
                        _ = try Anonymizer.anonymize(data, faces: faces, options: options, as: format)
                    }
                }
                let ms = Double(elapsed.components.seconds) * 1000
                    + Double(elapsed.components.attoseconds) / 1e15
                if let folder = ProcessInfo.processInfo.environment["FACEPIPE_ANONYMIZE_OUT"] {
                    let output = try Anonymizer.anonymize(
                        data, faces: faces, options: options, as: format)
                    let file = "\(name.replacingOccurrences(of: " ", with: "-")).\(format.mediaType)"
                    try output.data.write(to: URL(fileURLWithPath: folder).appendingPathComponent(file))
                }
                print("anonymize \(Int(w))×\(Int(h)) \(format.mediaType) \(name): \(Int(ms / Double(runs))) ms")
            }
        }
    }
}
