import FacepipeCore
import Testing

/// Issue 24 item 3: the seeds' setting names, read as the seeds mean them.
@Suite struct SeedSettingsTests {
    @Test func seedNamesAreReadAsFacepipesOwn() throws {
        let config = try AppConfig(from: DictionaryConfigSource([
            "ENABLE_FACE_DETECTION": "false", "IMAGE_THUMBNAIL_QUALITY": "65", "MAX_UPLOAD_MB": "7",
            "FACE_DETECTION_MODEL": "centerface", "FACE_EMBEDDING_DIM": "128",
        ]))
        #expect(config.faces.detectionEnabled == false)
        #expect(config.processing.thumbnailQuality == 65)
        #expect(config.ingest.maxFileBytes == 7 << 20)
        #expect(config.faces.detectorModel == ".deps/models/centerface.onnx")
        // Facepipe's own name still works, and wins nothing over an equal seed value.
        let both = try AppConfig(from: DictionaryConfigSource(["MAX_UPLOAD_MB": "7", "IMAGE_MAX_SIZE_MB": "7"]))
        #expect(both.ingest.maxFileBytes == 7 << 20)
    }

    @Test func imageProcessingTimeoutIsInMillisecondsAsInSeed000() throws {
        let config = try AppConfig(from: DictionaryConfigSource(["IMAGE_PROCESSING_TIMEOUT": "60000"]))
        #expect(config.queue.imageProcessingTimeout == .seconds(60))
        #expect(try AppConfig(from: DictionaryConfigSource([:])).queue.imageProcessingTimeout == .seconds(60))
        #expect(try AppConfig(from: DictionaryConfigSource(["IMAGE_PROCESSING_TIMEOUT": "90s"])).queue.imageProcessingTimeout == .seconds(90))
        #expect(try AppConfig(from: DictionaryConfigSource(["IMAGE_PROCESSING_TIMEOUT": "1500ms"])).queue.imageProcessingTimeout
            == .milliseconds(1500))
        // "60" or "1800" meant seconds before: refused, naming the unit, rather than read as 60 ms or 1.8 s.
        for old in ["60", "1800", "9999", "0s", "abc"] {
            #expect { try AppConfig(from: DictionaryConfigSource(["IMAGE_PROCESSING_TIMEOUT": old])) } throws: { error in
                "\(error)".contains("IMAGE_PROCESSING_TIMEOUT") && "\(error)".contains("milliseconds")
            }
        }
    }

    @Test(arguments: [
        ["FACE_DETECTION_MODEL": "retinaface"],
        ["FACE_EMBEDDING_DIM": "512"],
        ["MAX_UPLOAD_MB": "7", "IMAGE_MAX_SIZE_MB": "20"],
        ["ENABLE_FACE_DETECTION": "true", "FACE_DETECTION": "false"],
        ["FACE_DETECTION_MODEL": "/models/other.onnx", "FACE_DETECTOR_MODEL": "/models/centerface.onnx"],
    ])
    func whatFacepipeCannotHonourStopsTheStart(_ values: [String: String]) {
        #expect { try AppConfig(from: DictionaryConfigSource(values)) } throws: { error in
            values.keys.contains { "\(error)".contains($0) }
        }
    }

    @Test func aCenterFaceModelPathIsUsed() throws {
        let config = try AppConfig(from: DictionaryConfigSource(["FACE_DETECTION_MODEL": "/models/centerface.onnx"]))
        #expect(config.faces.detectorModel == "/models/centerface.onnx")
    }

    /// Names nothing reads are reported (the start-up warning), seed aliases and unrelated
    /// environment variables are not.
    @Test func unreadSettingsAreFound() throws {
        let source = SeedSettingsSource(DictionaryConfigSource(["MAX_UPLOAD_MB": "7"]))
        _ = try AppConfig(from: source)
        let environment = ["MAX_UPLOAD_MB", "IMAGE_MAX_SIZE_MB", "FACE_DETECTION_THRESHOLD", "REDIS_URL", "IMAGE_THUMBNAIL_SIZES",
                           "PATH", "HOME", "HTTP_PORT", "WEBHOOK_URL", "FACE_EMBEDDING_DIM"]
        #expect(SeedSettings.unread(environment, asked: source.names)
            == ["FACE_DETECTION_THRESHOLD", "IMAGE_THUMBNAIL_SIZES", "REDIS_URL", "WEBHOOK_URL"])
        #expect(SeedSettings.advice(for: "REDIS_URL").contains("PostgreSQL"))
    }
}
