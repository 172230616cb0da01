import FacepipeCore
import Foundation
import HTTPTypes
import NIOCore
import Testing
import TestSupport

/// File names are data, not paths: whatever a client calls a file is stored and echoed back
/// cleaned (no path, no control or direction-changing characters) and never used for a key.
@Suite struct FileNameTests {
    @Test(arguments: [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("C:\\Users\\victim\\scam.jpg", "scam.jpg"),
        ("tab\tand\u{0}nul.jpg", "tab and nul.jpg"),
        ("invoice\u{202E}gpj.exe.jpg", "invoicegpj.exe.jpg"),
        ("  spaced  .jpg", "spaced .jpg"),
        ("фото доказательство.jpg", "фото доказательство.jpg"),
    ])
    func namesAreStoredCleanAndNeverUsedAsPaths(raw: String, shown: String) async throws {
        try await IngestHarness.run { client, env in
            try await client.upload(Multipart(files: [.init(filename: raw, contentType: "image/jpeg", data: try TestImages.jpeg())])) {
                #expect($0.status == .ok, "\(raw): \(String(buffer: $0.body))")
                #expect($0.files.first?["filename"] as? String == shown, "\(raw)")
            }
            // The key is the image id and a random token, whatever the name said.
            #expect(env.storedFiles().allSatisfy {
                $0.range(of: #"/originals/\d{4}/\d{2}/[0-9a-f-]{36}-[0-9a-f]{32}\.jpg$"#, options: .regularExpression) != nil
            })
            // The same through upload-init: JSON may carry any character.
            let body = try JSONSerialization.data(withJSONObject: ["filename": raw, "contentType": "image/jpeg"])
            try await client.execute(uri: "/upload-init", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(data: body)) {
                #expect($0.status == .created, "\(raw): \(String(buffer: $0.body))")
            }
        }
    }

    @Test func aNameThatIsNothingButPathOrControlsIsRefusedClearly() async throws {
        try await IngestHarness.run { client, env in
            // A raw line break inside a multipart header ends the header early: said plainly.
            try await client.upload(Multipart(files: [.init(filename: "line\r\nbreak.jpg", contentType: "image/jpeg",
                                                            data: try TestImages.jpeg())])) {
                #expect($0.status == .badRequest && $0.errorCode == "malformed_body")
                #expect(String(buffer: $0.body).contains("line break"), "\(String(buffer: $0.body))")
            }
            // In JSON it is just a character: cleaned like any other.
            let body = try JSONSerialization.data(withJSONObject: ["filename": "line\r\nbreak.jpg", "contentType": "image/jpeg"])
            try await client.execute(uri: "/upload-init", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(data: body)) { #expect($0.status == .created) }
            #expect(try await env.scalar("SELECT count(*) FROM upload_intents WHERE filename = 'line break.jpg'") == 1)
            #expect(env.storedFiles().isEmpty)
            for raw in ["../", "\r\n", "\u{202E}"] {
                let body = try JSONSerialization.data(withJSONObject: ["filename": raw, "contentType": "image/jpeg"])
                try await client.execute(uri: "/upload-init", method: .post, headers: [.contentType: "application/json"],
                                         body: ByteBuffer(data: body)) {
                    #expect($0.status == .badRequest && $0.errorCode == "invalid_filename", "\(raw.debugDescription): \(String(buffer: $0.body))")
                }
            }
        }
    }
}
