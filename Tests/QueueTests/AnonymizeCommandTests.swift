import Foundation
import Testing
import TestSupport

/// `facepipe anonymize` and `facepipe faces` as a user runs them, on real photos.
@Suite struct AnonymizeCommandTests {
    static var photos: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".deps/testdata/photos")
    }

    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try facepipeExecutable()
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func faceCounts(_ files: [String]) throws -> [Int] {
        let result = try run(["faces", "--thresh", "0.5"] + files)
        return result.output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["faces"] as? [Any]
        }.map(\.count)
    }

    @Test func anonymizedPhotosHaveNoDetectableFacesAndNoMetadata() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-anon-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let inputs = ["t1.jpg", "obama.jpg", "astronaut.png"].map { Self.photos.appendingPathComponent($0).path }
        guard inputs.allSatisfy(FileManager.default.fileExists(atPath:)) else {
            throw TestSetupError("test photos missing: run `make setup`")
        }
        #expect(try faceCounts(inputs) == [6, 1, 1])
        let result = try run(["anonymize"] + inputs + ["-o", out.path])
        #expect(result.status == 0)
        #expect(result.output.contains("3 images, 8 faces"))
        let outputs = ["t1.jpg", "obama.jpg", "astronaut.png"].map { out.appendingPathComponent($0).path }
        #expect(try faceCounts(outputs) == [0, 0, 0])
        // obama.jpg carries Canon EXIF; the anonymized copy carries none.
        let original = try Data(contentsOf: URL(fileURLWithPath: inputs[1]))
        let anonymized = try Data(contentsOf: URL(fileURLWithPath: outputs[1]))
        #expect(original.range(of: Data("Canon".utf8)) != nil)
        #expect(anonymized.range(of: Data("Canon".utf8)) == nil && anonymized.range(of: Data("Exif".utf8)) == nil)
    }

    @Test func badOptionsAndMissingInputsFailClearly() throws {
        #expect(try run(["anonymize", "/nonexistent/folder"]).status != 0)
        #expect(try run(["anonymize", "--replacewith", "paint", Self.photos.appendingPathComponent("t1.jpg").path]).status != 0)
    }
}
