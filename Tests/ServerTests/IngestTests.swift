import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Imaging
import Testing
import TestSupport

/// Uploads end to end: real PostgreSQL, real libvips, real files, real clamd.
@Suite struct IngestTests {
    @Test func aJPEGIsStoredRecordedAndQueued() async throws {
        try await IngestHarness.run { client, env in
            let jpeg = try TestImages.jpeg()
            var form = Multipart(files: [.init(filename: "photo.jpg", contentType: "image/jpeg", data: jpeg)])
            form.fields = [("reportId", "report-1")]
            try await client.upload(form, requestID: "req-upload-1") { response in
                #expect(response.status == .ok)
                let file = try #require(response.files.first)
                #expect(file["status"] as? String == "processing")
                #expect(file["duplicate"] as? Bool == false)
                #expect(file["width"] as? Int == 320 && file["height"] as? Int == 240)
                #expect(file["jobId"] != nil)
            }
            let stored = env.storedFiles()
            #expect(stored.count == 1)
            #expect(stored.first?.contains("/originals/") == true && stored.first?.hasSuffix(".jpg") == true)
            #expect(try Data(contentsOf: URL(fileURLWithPath: stored[0])) == jpeg)
            #expect(try await env.scalar("SELECT count(*) FROM images WHERE status = 'queued' AND report_id = 'report-1'") == 1)
            #expect(try await env.scalar(
                "SELECT count(*) FROM jobs WHERE kind = 'process_image' AND correlation_id = 'req-upload-1'") == 1)
            #expect(try await env.scalar("SELECT count(*) FROM events WHERE type = 'image.uploaded'") == 1)
        }
    }

    @Test func theSameBytesTwiceAreOneImage() async throws {
        try await IngestHarness.run { client, env in
            let jpeg = try TestImages.jpeg()
            var ids: [String] = []
            for name in ["a.jpg", "b.jpeg"] {
                try await client.upload(Multipart(files: [.init(filename: name, contentType: "image/jpeg", data: jpeg)])) { response in
                    #expect(response.status == .ok)
                    ids.append(response.files.first?["id"] as? String ?? "")
                    if name == "b.jpeg" { #expect(response.files.first?["duplicate"] as? Bool == true) }
                }
            }
            #expect(ids[0] == ids[1])
            #expect(env.storedFiles().count == 1)
            #expect(try await env.imageRows() == 1)
        }
    }

    /// Photos saved from messengers are often WebP or PNG named `.jpg`: kept under the real type,
    /// with the client's claim on the timeline.
    @Test func aMislabelledAcceptedFormatIsKeptUnderItsRealType() async throws {
        try await IngestHarness.run { client, env in
            let png = try TestImages.png(TestImages.noise(width: 200, height: 200))
            try await client.upload(Multipart(files: [.init(filename: "saved.jpg", contentType: "image/jpeg", data: png)])) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(response.files.first?["mime"] as? String == "image/png")
            }
            #expect(env.storedFiles().first?.hasSuffix(".png") == true)
            #expect(try await env.scalar("""
                SELECT count(*) FROM events WHERE type = 'upload.type_corrected'
                    AND data->>'claimed' = 'extension .jpg' AND data->>'actual' = 'image/png'
                """) == 1)
        }
    }

    /// Each bad input gets its own 4xx and leaves no file and no row behind.
    @Test(arguments: BadInput.allCases)
    func badInputIsRefusedAndLeavesNothing(_ input: BadInput) async throws {
        let config = IngestConfig(maxFileBytes: 1 << 20)
        try await IngestHarness.run(ingest: config, scanner: input.needsScanner) { client, env in
            try await client.upload(try input.form()) { response in
                #expect(response.status.code == input.expectedStatus, "\(input): \(String(buffer: response.body))")
                #expect(response.errorCode == input.expectedCode)
            }
            #expect(env.storedFiles().isEmpty)
            #expect(try await env.imageRows() == 0)
            #expect(try await env.scalar("SELECT count(*) FROM jobs") == 0)
        }
    }

    @Test func oneBadFileDoesNotSinkTheOthers() async throws {
        try await IngestHarness.run { client, env in
            let form = Multipart(files: [
                .init(filename: "good.jpg", contentType: "image/jpeg", data: try TestImages.jpeg()),
                .init(filename: "bad.jpg", contentType: "image/jpeg", data: Data("not an image".utf8)),
            ])
            try await client.upload(form) { response in
                #expect(response.status == .ok)
                #expect(response.files.map { $0["status"] as? String } == ["processing", "rejected"])
                let error = response.files[1]["error"] as? [String: Any]
                #expect(error?["status"] as? Int == 415)
            }
            #expect(env.storedFiles().count == 1)
            #expect(try await env.imageRows() == 1)
        }
    }

    @Test func virusScanPassesACleanImageAndLogsAnInfectedUpload() async throws {
        try await IngestHarness.run(scanner: true) { client, env in
            try await client.upload(Multipart(files: [.init(filename: "ok.jpg", contentType: "image/jpeg", data: try TestImages.jpeg())])) {
                #expect($0.status == .ok)
            }
            try await client.upload(Multipart(files: [.init(filename: "eicar.jpg", contentType: "image/jpeg", data: TestImages.eicar)])) {
                #expect($0.status.code == 400)  // seed 000's status for an infected file
                #expect(String(buffer: $0.body).contains("file failed virus scan"))
            }
            #expect(env.storedFiles().count == 1)
            #expect(try await env.scalar("SELECT count(*) FROM events WHERE type = 'upload.virus_detected'") == 1)
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(String(buffer: response.body).contains(#""status" : "up""#) || String(buffer: response.body).contains(#""status":"up""#))
            }
        }
    }

    /// An upload the scanner could not check: 503 `scanner_unavailable` with Retry-After, and
    /// nothing left behind (no row, no file, no spool file).
    private static func expectRefusedForTheScanner(_ client: AuthorizedClient, _ env: IngestHarness) async throws {
        try await client.upload(Multipart(files: [.init(filename: "ok.jpg", contentType: "image/jpeg", data: try TestImages.jpeg())])) {
            #expect($0.status == .serviceUnavailable)
            #expect($0.errorCode == "scanner_unavailable")
            #expect($0.headers[.retryAfter] != nil)
        }
        #expect(env.storedFiles().isEmpty)
        #expect(try await env.imageRows() == 0)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: env.spool.path)) ?? []).isEmpty)
    }

    @Test func anUnreachableScannerRejectsByDefault() async throws {
        try await IngestHarness.run(unreachableScanner: .reject) { client, env in
            try await Self.expectRefusedForTheScanner(client, env)
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(((response.json["scanner"] as? [String: Any])?["status"] as? String) == "down")
            }
        }
    }

    /// clamd hung or overloaded: it takes the connection and never answers. The upload waits
    /// for the scan timeout, not for ever, and is refused like an unreachable scanner.
    @Test func aScannerThatNeverAnswersRefusesTheUploadAtItsTimeout() async throws {
        let listener = try SilentListener()
        try await IngestHarness.run(silentScanner: listener.path) { client, env in
            try await Self.expectRefusedForTheScanner(client, env)
        }
        _ = listener
    }

    @Test func anUnreachableScannerCanBeConfiguredToAcceptAndFlag() async throws {
        try await IngestHarness.run(unreachableScanner: .accept) { client, env in
            try await client.upload(Multipart(files: [.init(filename: "ok.jpg", contentType: "image/jpeg", data: try TestImages.jpeg())])) {
                #expect($0.status == .ok)
            }
            #expect(try await env.imageRows() == 1)
            #expect(try await env.scalar("SELECT count(*) FROM events WHERE type = 'image.scan_skipped'") == 1)
        }
    }

    /// Limits count per caller: one key's burst does not use up another's, and an anonymous
    /// caller (PUBLIC_UPLOADS) is counted by address.
    @Test func uploadsAreRateLimitedPerCaller() async throws {
        let auth = AuthConfig(policy: AccessPolicy(publicUploads: true), uploadsPerMinute: 2, faceSearchesPerMinute: 0,
                              rateLimitWindow: .seconds(86_400))
        try await IngestHarness.run(auth: auth) { client, env in
            let other = client.with(key: try await env.key(.standard))
            var seed: UInt64 = 0
            func form() throws -> Multipart {
                seed += 1
                return Multipart(files: [.init(filename: "x.jpg", contentType: "image/jpeg", data: try TestImages.jpeg(seed: seed))])
            }
            for expected in [200, 200, 429] {
                try await client.upload(try form()) { response in
                    #expect(response.status.code == expected)
                    if expected == 429 {
                        #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
                        #expect(response.errorCode == "rate_limited")
                    }
                }
            }
            try await other.upload(try form()) { #expect($0.status == .ok) }
            try await client.anonymous.upload(try form()) { #expect($0.status == .ok) }
        }
    }
}

enum BadInput: String, CaseIterable, CustomTestStringConvertible {
    case wrongMagic, extensionMismatch, tooSmall, tooManyBytes, tooManyPixels, truncated, eicar, elevenFiles, noFiles

    var testDescription: String { rawValue }
    var needsScanner: Bool { self == .eicar }

    var expectedStatus: Int {
        switch self {
        case .wrongMagic, .extensionMismatch: 415
        case .tooSmall, .truncated: 422
        case .tooManyBytes, .tooManyPixels, .elevenFiles: 413
        case .noFiles, .eicar: 400
        }
    }

    var expectedCode: String {
        switch self {
        case .wrongMagic: "unsupported_type"
        case .extensionMismatch: "extension_mismatch"
        case .tooSmall: "too_small"
        case .tooManyBytes: "file_too_large"
        case .tooManyPixels: "too_many_pixels"
        case .truncated: "corrupt_image"
        case .eicar: "virus_detected"
        case .elevenFiles: "too_many_files"
        case .noFiles: "malformed_body"
        }
    }

    func form() throws -> Multipart {
        func one(_ filename: String, _ type: String, _ data: Data) -> Multipart {
            Multipart(files: [.init(filename: filename, contentType: type, data: data)])
        }
        switch self {
        case .wrongMagic: return one("notes.jpg", "image/jpeg", Data("just some text, not an image".utf8))
        // A name outside the accepted formats is refused even when the bytes are a fine image.
        case .extensionMismatch: return one("photo.php", "image/png", try TestImages.png(TestImages.noise(width: 200, height: 200)))
        case .tooSmall: return one("tiny.jpg", "image/jpeg", try TestImages.jpeg(width: 50, height: 50))
        case .tooManyBytes: return one("big.png", "image/png", try TestImages.png(TestImages.noise(width: 800, height: 600)))
        case .tooManyPixels: return one("wide.png", "image/png", try TestImages.png(TestImages.solid(width: 8100, height: 120)))
        case .truncated:
            let jpeg = try TestImages.jpeg(width: 400, height: 300)
            return one("cut.jpg", "image/jpeg", jpeg.prefix(jpeg.count / 2))
        case .eicar: return one("eicar.jpg", "image/jpeg", TestImages.eicar)
        case .elevenFiles:
            return Multipart(files: try (0..<11).map { index in
                .init(filename: "f\(index).jpg", contentType: "image/jpeg", data: try TestImages.jpeg(seed: UInt64(index)))
            })
        case .noFiles:
            var form = Multipart()
            form.fields = [("reportId", "r")]
            return form
        }
    }
}
