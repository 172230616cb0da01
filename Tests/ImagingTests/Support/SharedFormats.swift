import Foundation

/// Real-world files in ../shared/testdata/formats (next to a developer's
/// checkout; absent in a user's clone, where tests using it are skipped).
enum SharedFormats {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // …/Tests/ImagingTests/Support
        .deletingLastPathComponent()  // …/Tests/ImagingTests
        .deletingLastPathComponent()  // …/Tests
        .deletingLastPathComponent()  // the package root
        .deletingLastPathComponent()  // its parent, holding shared/
        .appendingPathComponent("shared/testdata/formats")

    static let isAvailable: Bool = FileManager.default.fileExists(
        atPath: directory.appendingPathComponent("formats.csv").path)

    static func path(_ relative: String) -> String {
        directory.appendingPathComponent(relative).path
    }

    static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(relative))
    }
}
