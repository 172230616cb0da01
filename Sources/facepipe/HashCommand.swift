import ArgumentParser
import FacepipeCore
import Foundation
import Imaging
import Pipeline

/// `facepipe hash FILE…`: the perceptual hashes facepipe stores, for operators comparing files.
struct Hash: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print aHash, dHash, pHash and PDQ (with its quality) of image files.")

    @Argument(help: "Image files (JPEG, PNG, WebP, GIF, HEIC).") var files: [String]
    @Flag(help: "One JSON object per line instead of a table.") var json = false

    func run() async throws {
        try VipsRuntime.start()
        var failures = 0
        if !json { print(["ahash           ", "dhash           ", "phash           ", "pdq".padding(toLength: 64, withPad: " ", startingAt: 0), "q  ", "file"].joined(separator: " ")) }
        for file in files {
            do {
                let hashes = try ImageAnalysis.hashes(of: try Data(contentsOf: URL(fileURLWithPath: file)))
                if json {
                    var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(hashes)) as? [String: Any] ?? [:]
                    object["file"] = file
                    print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
                } else {
                    print([PerceptualHash.hex(hashes.ahash), PerceptualHash.hex(hashes.dhash), PerceptualHash.hex(hashes.phash),
                           hashes.pdq.hex, String(hashes.pdqQuality).padding(toLength: 3, withPad: " ", startingAt: 0), file]
                        .joined(separator: " "))
                }
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
