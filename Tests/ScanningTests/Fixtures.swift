import Foundation

enum Fixtures {
    /// The 68-byte EICAR test file, assembled here so this source file is not itself flagged.
    static let eicar: [UInt8] = Array(("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").utf8)

    /// Incompressible filler; eight bytes per generator call because debug builds are slow per byte.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var words = (0..<(count + 7) / 8).map { _ in generator.next() as UInt64 }
        return words.withUnsafeMutableBytes { Array($0.prefix(count)) }
    }

    /// A scratch file, deleted after `body`.
    static func withFile<T>(_ write: (FileHandle) throws -> Void, _ body: (URL) async throws -> T) async throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scan-\(UUID().uuidString).bin")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw TestClamdError("cannot create \(url.path)") }
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forWritingTo: url)
        try write(handle)
        try handle.close()
        return try await body(url)
    }
}
