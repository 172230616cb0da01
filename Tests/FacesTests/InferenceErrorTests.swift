import Foundation
import Imaging
import Testing

@testable import Faces

/// Missing or wrong files and bad calls fail with errors that say what to do.
@Suite struct InferenceErrorTests {
    @Test func missingLibraryNamesThePathAndTheFix() {
        let path = "/nonexistent/libonnxruntime.so.1.31.1"
        #expect(throws: InferenceError.libraryNotFound(path: path)) { try ONNXRuntime(libraryPath: path) }
        #expect(InferenceError.libraryNotFound(path: path).description.contains("scripts/fetch-models.sh"))
    }

    @Test func aFileThatIsNotONNXRuntimeIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-ort-\(UUID()).so").path
        try Data("not a shared library".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try ONNXRuntime(libraryPath: path)
        } throws: { error in
            guard case InferenceError.libraryUnusable(path, let reason) = error else { return false }
            return !reason.isEmpty
        }
    }

    @Test func theLibraryReportsItsVersion() throws {
        #expect(try DetectorFixtures.runtime.get().version == "1.31.1")
    }

    @Test func missingModelNamesThePathAndTheFix() throws {
        let runtime = try DetectorFixtures.runtime.get()
        let path = "/nonexistent/centerface.onnx"
        #expect(throws: InferenceError.modelNotFound(path: path)) {
            try CenterFaceDetector(runtime: runtime, modelPath: path)
        }
        #expect(InferenceError.modelNotFound(path: path).description.contains("scripts/fetch-models.sh"))
    }

    @Test func aCorruptModelFailsSessionCreation() throws {
        let runtime = try DetectorFixtures.runtime.get()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID()).onnx").path
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try InferenceSession(runtime: runtime, modelPath: path)
        } throws: { error in
            guard case InferenceError.sessionFailed(let message) = error else { return false }
            return message.contains("CreateSession")
        }
    }

    @Test func runErrorsCarryONNXRuntimesMessage() throws {
        let session = try DetectorFixtures.detector.get().session
        let input = try FloatTensor(shape: [1, 3, 32, 32], values: Array(repeating: 0, count: 3 * 32 * 32))
        #expect {
            try session.run(inputName: "input.1", input: input, outputNames: ["no-such-output"])
        } throws: { error in
            guard case InferenceError.runFailed(let message) = error else { return false }
            return message.contains("no-such-output")
        }
        // Sizes that are not multiples of 32 break the network's skip connections.
        let odd = try FloatTensor(shape: [1, 3, 33, 40], values: Array(repeating: 0, count: 3 * 33 * 40))
        #expect(throws: InferenceError.self) {
            try session.run(inputName: "input.1", input: odd, outputNames: CenterFaceDetector.outputNames)
        }
    }

    @Test func badArgumentsAreRejected() throws {
        let runtime = try DetectorFixtures.runtime.get()
        let detector = try DetectorFixtures.detector.get()
        #expect(throws: InferenceError.self) { try detector.detect(RGBPixels(width: 0, height: 0, pixels: [])) }
        #expect(throws: InferenceError.self) { try detector.detect(RGBPixels(width: 4, height: 4, pixels: [1, 2, 3])) }
        #expect(throws: InferenceError.self) {
            try CenterFaceDetector(runtime: runtime, modelPath: DetectorFixtures.modelPath,
                                   configuration: .init(detectionSize: 16))
        }
        #expect(throws: InferenceError.self) {
            try InferenceSession(runtime: runtime, modelPath: DetectorFixtures.modelPath, intraOpThreads: 0)
        }
        #expect(throws: InferenceError.self) { try FloatTensor(shape: [2, 2], values: [1, 2, 3]) }
    }
}
