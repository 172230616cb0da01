import FacepipeCore
import Foundation
import Testing

/// Each image job's row: kind, image, payload, dedupe key. The kinds and keys are what jobs queued
/// by earlier versions carry, so they are spelled out here rather than derived.
struct ImageJobTests {
    let image = UUID(uuidString: "0B7C5A3E-1D2F-4E6A-8B9C-0D1E2F3A4B5C")!
    let variant = UUID(uuidString: "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE")!
    var lower: String { image.uuidString.lowercased() }

    @Test func kindsKeepTheirStoredNames() {
        #expect(ImageJob.Kind.allCases.map(\.rawValue)
            == ["process_image", "embed_faces", "anonymize", "erase_image", "erase_document", "render_document", "relink_duplicates"])
    }

    @Test func rowsCarryTheKindTheImageAndTheKeyEarlierVersionsUsed() {
        let process = ImageJob.process(image: image).newJob(correlationID: "req-1", requestedBy: "key:abc")
        #expect(process.kind == .processImage && process.imageID == image && process.payload == "{}")
        #expect(process.dedupeKey == "process_image:\(lower)" && process.correlationID == "req-1" && process.requestedBy == "key:abc")
        #expect(ImageJob.embed(image: image).dedupeKey == "embed_faces:\(lower)")
        #expect(ImageJob.anonymize(image: image, variant: variant, optionsDigest: "d1g3st").dedupeKey == "anonymize:\(lower):d1g3st")
        // An erased image's row is gone: the job names it in its payload only.
        let erase = ImageJob.erase(image: image).newJob(correlationID: nil)
        #expect(erase.imageID == nil && erase.dedupeKey == "erase_image:\(lower)")
        #expect(ImageJob.render(document: image).newJob(correlationID: nil).imageID == nil)
        #expect(ImageJob.eraseDocument(document: image, originalKey: "originals/x.pdf").dedupeKey == "erase_document:\(lower)")
        // Migration 16 queued the first batch under the bare kind. (Later batches were keyed by the
        // upper-case id before; one chain runs at a time, so the spelling only has to be stable.)
        #expect(ImageJob.relinkDuplicates(after: nil).dedupeKey == "relink_duplicates")
        #expect(ImageJob.relinkDuplicates(after: RelinkCursor(micros: 5, id: image)).dedupeKey == "relink_duplicates:\(lower)")
    }

    func decode<T: Decodable>(_ type: T.Type, _ job: NewJob) throws -> T {
        try ClaimedJob(id: 1, kind: job.kind, payload: job.payload, imageID: job.imageID, attempt: 1, maxAttempts: 3, correlationID: nil)
            .decodePayload(type)
    }

    @Test func handlersDecodeWhatIsQueued() throws {
        #expect(try decode(ImageJob.AnonymizePayload.self,
                           ImageJob.anonymize(image: image, variant: variant, optionsDigest: "d").newJob(correlationID: nil)).variant == variant)
        #expect(try decode(ImageJob.ErasePayload.self, ImageJob.erase(image: image).newJob(correlationID: nil)).imageId == image)
        #expect(try decode(ImageJob.RenderPayload.self, ImageJob.render(document: image).newJob(correlationID: nil)).document == image)
        #expect(try decode(ImageJob.EraseDocumentPayload.self, ImageJob.eraseDocument(document: image, originalKey: "originals/x.pdf")
            .newJob(correlationID: nil)).originalKey == "originals/x.pdf")
        let cursor = RelinkCursor(micros: 1_700_000_000_000_000, id: image)
        #expect(try decode(ImageJob.RelinkPayload.self, ImageJob.relinkDuplicates(after: cursor).newJob(correlationID: nil)).after == cursor)
    }

    @Test func payloadsQueuedByEarlierVersionsStillDecode() throws {
        let decoder = JSONDecoder()
        #expect(try decoder.decode(ImageJob.ErasePayload.self, from: Data(#"{"imageId":"\#(lower)"}"#.utf8)).imageId == image)
        #expect(try decoder.decode(ImageJob.RenderPayload.self, from: Data(#"{"document":"\#(lower)"}"#.utf8)).document == image)
        #expect(try decoder.decode(ImageJob.AnonymizePayload.self, from: Data("{}".utf8)).variant == nil)
        #expect(try decoder.decode(ImageJob.RelinkPayload.self, from: Data("{}".utf8)).after == nil)
    }
}
