import FacepipeCore
import Foundation
import Testing
import TestSupport

/// `facepipe hash` as an operator runs it: the real binary on real files.
@Suite struct HashCommandTests {
    @Test func printsTheHashesOfEachFileAndFailsOnBadOnes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-hash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A PNG built byte by byte, so the test does not need the library under test to make it.
        let good = directory.appendingPathComponent("ramp.png")
        try Data(Self.rampPNG).write(to: good)
        let bad = directory.appendingPathComponent("notes.txt")
        try Data("not an image".utf8).write(to: bad)

        let process = Process()
        process.executableURL = try facepipeExecutable()
        process.arguments = ["hash", "--json", good.path, bad.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let lines = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        #expect(process.terminationStatus == 1)
        #expect(lines.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any] ?? [:]
        #expect(object["file"] as? String == good.path)
        #expect((object["phash"] as? String)?.count == 16 && (object["pdq"] as? String)?.count == 64)
        // A horizontal ramp: every pixel brighter than its left neighbour, so every dHash bit is 0.
        #expect(object["dhash"] as? String == "0000000000000000")
        #expect(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("notes.txt"))
    }

    /// 16×16 grey PNG, value = 16·x (a left-to-right ramp), uncompressed deflate blocks.
    static var rampPNG: [UInt8] {
        var raw: [UInt8] = []
        for _ in 0..<16 { raw.append(0); for x in 0..<16 { raw.append(UInt8(x * 16)) } }
        func crc(_ bytes: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes { c ^= UInt32(b); for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 } }
            return ~c
        }
        func adler(_ bytes: [UInt8]) -> UInt32 {
            var a: UInt32 = 1, b: UInt32 = 0
            for x in bytes { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
            return b << 16 | a
        }
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be(UInt32(data.count)) + body + be(crc(body))
        }
        let len = UInt16(raw.count)
        let zlib: [UInt8] = [0x78, 0x01, 0x01, UInt8(len & 0xFF), UInt8(len >> 8), UInt8(~len & 0xFF), UInt8(~len >> 8)] + raw + be(adler(raw))
        let ihdr = be(16) + be(16) + [8, 0, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", zlib) + chunk("IEND", [])
    }
}
