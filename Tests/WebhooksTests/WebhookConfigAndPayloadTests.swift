import FacepipeCore
import Foundation
import Testing
import Webhooks

@Suite struct WebhookConfigTests {
    @Test func defaultsMeanWebhooksOff() throws {
        let config = try WebhookConfig(from: DictionaryConfigSource([:]))
        #expect(config == WebhookConfig())
        #expect(config.urls.isEmpty && !config.isEnabled)
        #expect(config.secret == nil)
        #expect(config.timeoutSeconds == 10)
        #expect(config.maxAttempts == 8)
    }

    @Test func parsesURLsSecretAndLimits() throws {
        let secret = "5e1c0b9a7f3d2e8c6a4b1d0f9e7c5a3b"
        let config = try WebhookConfig(from: DictionaryConfigSource([
            "WEBHOOK_URLS": " https://hooks.example.com/facepipe?token=abc , http://127.0.0.1:9000/x,,https://hooks.example.com/facepipe?token=abc",
            "WEBHOOK_SECRET": secret, "WEBHOOK_TIMEOUT_SECONDS": "5", "WEBHOOK_MAX_ATTEMPTS": "3",
        ]))
        #expect(config.urls == ["https://hooks.example.com/facepipe?token=abc", "http://127.0.0.1:9000/x"])
        #expect(config.isEnabled)
        #expect(config.secret == secret)
        #expect(config.timeoutSeconds == 5)
        #expect(config.maxAttempts == 3)
        // A secret without receivers is allowed (deliveries already queued can still be sent).
        #expect(try WebhookConfig(from: DictionaryConfigSource(["WEBHOOK_SECRET": secret])).secret == secret)
    }

    @Test(arguments: [
        (["WEBHOOK_URLS": "ftp://files.example.com/x", "WEBHOOK_SECRET": "5e1c0b9a7f3d2e8c6a4b1d0f9e7c5a3b"], "WEBHOOK_URLS"),
        (["WEBHOOK_URLS": "hooks.example.com/x", "WEBHOOK_SECRET": "5e1c0b9a7f3d2e8c6a4b1d0f9e7c5a3b"], "WEBHOOK_URLS"),
        (["WEBHOOK_URLS": "https://", "WEBHOOK_SECRET": "5e1c0b9a7f3d2e8c6a4b1d0f9e7c5a3b"], "WEBHOOK_URLS"),
        (["WEBHOOK_URLS": "https://hooks.example.com/x"], "WEBHOOK_SECRET"),
        (["WEBHOOK_URLS": "https://hooks.example.com/x", "WEBHOOK_SECRET": "too-short"], "WEBHOOK_SECRET"),
        (["WEBHOOK_SECRET": "too-short"], "WEBHOOK_SECRET"),
        (["WEBHOOK_TIMEOUT_SECONDS": "0"], "WEBHOOK_TIMEOUT_SECONDS"),
        (["WEBHOOK_TIMEOUT_SECONDS": "ten"], "WEBHOOK_TIMEOUT_SECONDS"),
        (["WEBHOOK_MAX_ATTEMPTS": "0"], "WEBHOOK_MAX_ATTEMPTS"),
        (["WEBHOOK_MAX_ATTEMPTS": "1000"], "WEBHOOK_MAX_ATTEMPTS"),
    ])
    func badValuesNameTheirVariable(values: [String: String], variable: String) {
        do {
            _ = try WebhookConfig(from: DictionaryConfigSource(values))
            Issue.record("expected a ConfigError for \(variable)")
        } catch let error as ConfigError {
            #expect(error.variable == variable)
            #expect(!error.description.contains("too-short"), "the secret must not appear in messages")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

@Suite struct WebhookPayloadTests {
    @Test func encodesTheDocumentedShape() throws {
        let id = UUID(uuidString: "0A1B2C3D-4E5F-4071-8293-A4B5C6D7E8F9")!
        let body = try WebhookTestData.payload(imageId: id).jsonBody()
        // Seed 000 §9.2: {"event", "data": {id, reportId, status: "completed", thumbnails: [{size, url}],
        // hasFaces, faceCount, duplicates}}; facepipe's additions sit inside `data`.
        let expected = #"""
            {"data":{"duplicates":[{"distance":3,"hashType":"phash","imageId":"6f1c9d2e-0b7a-4c1d-9e55-2b1f3c4d5e6f"}],\#
            "faceCount":2,"hasFaces":true,\#
            "hashes":{"ahash":"ffff0000ffff0000","dhash":"0f1e2d3c4b5a6978","pdq":"\#(String(repeating: "ab", count: 32))","phash":"8f373714acfcf4d0"},\#
            "height":480,"id":"0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9","processedAt":"2026-01-02T03:04:05Z","reportId":"report-1",\#
            "sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","status":"completed",\#
            "thumbnails":[{"size":"thumb","url":"https://media.example/t.webp"},{"size":"medium","url":"https://media.example/m.webp"}],\#
            "width":640},"event":"image.processed"}
            """#
        #expect(body == expected)
        #expect(try WebhookPayload.decode(Data(body.utf8)) == WebhookTestData.payload(imageId: id))
    }

    @Test func failedPayloadLeavesOutWhatIsUnknown() throws {
        let payload = WebhookPayload(imageId: UUID(), status: .failed, sha256: "abc", processedAt: Date(timeIntervalSince1970: 0),
                                     error: "decode failed: not an image")
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(try payload.jsonBody().utf8)) as? [String: Any])
        #expect(Set(envelope.keys) == ["event", "data"])
        let object = try #require(envelope["data"] as? [String: Any])
        #expect(Set(object.keys) == ["id", "status", "sha256", "thumbnails", "duplicates", "processedAt", "error"])
        #expect(object["status"] as? String == "failed")
        #expect(object["error"] as? String == "decode failed: not an image")
        #expect((object["duplicates"] as? [Any])?.isEmpty == true)
        #expect(try WebhookPayload.decode(Data(try payload.jsonBody().utf8)) == payload)
    }

    @Test func hashesAndDuplicatesFromDomainTypes() throws {
        let pdq = try #require(PDQHash(hex: String(repeating: "0f", count: 32)))
        let hashes = WebhookPayload.Hashes(ImageHashes(ahash: 1, dhash: 0xff, phash: .max, pdq: pdq, pdqQuality: 90))
        #expect(hashes == .init(phash: "ffffffffffffffff", dhash: "00000000000000ff", ahash: "0000000000000001",
                                pdq: String(repeating: "0f", count: 32)))
        let other = UUID()
        let distances = HashDistances(ahash: 9, dhash: 7, phash: 4, pdq: 12)
        let match = DuplicateMatch(otherImageID: other, evidence: DuplicateEvidence(distances: distances, confidence: 0.8))
        #expect(WebhookPayload.Duplicate(match)
            == .init(imageId: other, hashType: "pdq", distance: 12, distances: distances, similarity: 0.9375, confidence: 0.8))
    }

    @Test func dedupeKeyNamesImageEventAndHashedURL() {
        let id = UUID(uuidString: "0A1B2C3D-4E5F-4071-8293-A4B5C6D7E8F9")!
        let key = WebhookEnqueuer.dedupeKey(imageID: id, event: "image.processed", url: "https://hooks.example.com/x?token=secret")
        #expect(key.hasPrefix("webhook:0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9:image.processed:"))
        #expect(key.split(separator: ":").last?.count == 64)
        #expect(!key.contains("token"))
        #expect(key != WebhookEnqueuer.dedupeKey(imageID: id, event: "image.processed", url: "https://hooks.example.com/y"))
    }
}

@Suite struct AnonymizedPayloadTests {
    @Test func carriesTheCopysURLOptionsAndVerification() throws {
        let image = ImageRecord(id: UUID(), reportID: "r1", pipeline: "default", sha256: "ab", mime: "image/jpeg", bytes: 1, width: 10,
                                height: 10, originalKey: "originals/x.jpg", thumbnails: [:], safeMetadata: "{}", hasFaces: true,
                                faceCount: 2, blurFaces: false, status: .done, error: nil, createdAt: Date(), processedAt: Date())
        let variant = ProcessedVariant(id: UUID(), imageID: image.id, pipeline: .anonymize, settings: .seed002, status: .done,
                                       mediaKey: "processed/2026/12/x-1.jpg",
                                       verification: .init(facesMasked: 2, detectionsOnOutput: 1, facesLeft: 0), error: nil,
                                       jobID: 7, createdAt: Date(), finishedAt: Date())
        let body = try AnonymizedPayload(image: image, variant: variant, url: "https://cdn.example/processed/2026/12/x-1.jpg").jsonBody()
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(envelope["event"] as? String == "image.anonymized" && envelope.count == 2)
        let json = try #require(envelope["data"] as? [String: Any])
        #expect(json["url"] as? String == "https://cdn.example/processed/2026/12/x-1.jpg")
        #expect(json["reportId"] as? String == "r1" && json["faces"] as? Int == 2 && json["facesLeft"] as? Int == 0)
        #expect(json["verified"] as? Bool == true && json["detectionsOnOutput"] as? Int == 1)
        let options = json["options"] as? [String: Any] ?? [:]
        #expect(options["replacewith"] as? String == "solid" && options["boxes"] as? Bool == true && options["mosaicSize"] == nil)
        #expect(!body.contains("\\/"))
    }
}
