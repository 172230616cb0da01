import FacepipeCore
import Foundation
import Testing

/// The timeline's names are a contract (`GET /images/{id}` shows them, operators query them):
/// this is the one place they are spelled out, and every case must be here.
struct TimelineEventTests {
    static let names: [TimelineEventType: String] = [
        .uploaded: "image.uploaded", .typeCorrected: "upload.type_corrected", .scanSkipped: "image.scan_skipped",
        .virusDetected: "upload.virus_detected", .addedToReport: "image.added_to_report", .reportPending: "image.report_pending",
        .reportLinked: "report.linked", .processed: "image.processed", .failed: "image.failed", .facesEmbedded: "faces.embedded",
        .facesGrouped: "faces.grouped", .anonymizeQueued: "image.anonymize_queued", .anonymized: "image.anonymized",
        .anonymizeFailed: "image.anonymize_failed", .jobQueued: "job.queued", .jobStarted: "job.started", .jobDone: "job.done",
        .jobFailed: "job.failed", .jobRetryScheduled: "job.retry_scheduled", .jobLeaseExpired: "job.lease_expired",
        .jobCancelled: "job.cancelled",
    ]

    @Test func everyTypeKeepsItsStoredName() {
        #expect(Set(Self.names.keys) == Set(TimelineEventType.allCases))
        for type in TimelineEventType.allCases { #expect(type.rawValue == Self.names[type], "\(type)") }
    }

    @Test func readersSeeOnlyTheImagesOwnSteps() {
        let shown = Set(TimelineEventType.allCases.filter(\.shownToReaders).map(\.rawValue))
        #expect(shown == ["image.uploaded", "image.processed", "image.failed", "faces.embedded", "image.anonymize_queued",
                          "image.anonymized", "image.anonymize_failed"])
    }

    func object(_ event: TimelineEvent) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(event.json.utf8)) as? [String: Any])
    }

    @Test func dataIsAJSONObjectWithoutAbsentFieldsAndWithHostileTextEscaped() throws {
        let hostile = "a\"b\\c\n\u{1}</script>"
        let uploaded = try object(.uploaded(bytes: 1234, mime: hostile, requestID: nil))
        #expect(uploaded["bytes"] as? Int == 1234 && uploaded["mime"] as? String == hostile)
        #expect(uploaded["request_id"] == nil)

        let virus = try object(.virusDetected(signature: "Eicar-Test-Signature", sha256: "ab", filename: hostile, requestID: "r-1"))
        #expect(virus["filename"] as? String == hostile && virus["request_id"] as? String == "r-1")

        let link = NewReportLink(reports: ("r1", "r2"), kind: .nearDuplicate, strength: 0.953125, imageID: UUID())
        let linked = try object(.reportLinked(link))
        #expect(linked["reports"] as? [String] == ["r1", "r2"] && linked["kind"] as? String == "near_duplicate")
        #expect(linked["strength"] as? Double == 0.953125)
    }

    @Test func aCopysStoredOptionsAreEmbeddedAsAnObject() throws {
        let variant = UUID()
        let done = try object(.anonymized(variant: variant, options: #"{"replacewith":"blur","mask_scale":1.3}"#, key: "processed/x.jpg",
                                          verification: .init(facesMasked: 2, detectionsOnOutput: 3, facesLeft: 0)))
        #expect((done["options"] as? [String: Any])?["replacewith"] as? String == "blur")
        #expect(done["variant"] as? String == variant.uuidString.lowercased())
        #expect(done["faces"] as? Int == 2 && done["faces_left"] as? Int == 0 && done["verified"] as? Bool == true)
    }

    @Test func groupingListsIdentitiesInLowerCase() throws {
        let a = UUID(), b = UUID()
        let grouped = try object(.facesGrouped(identities: [a, b], new: [b], merged: []))
        #expect(grouped["identities"] as? [String] == [a, b].map { $0.uuidString.lowercased() })
        #expect(grouped["new"] as? [String] == [b.uuidString.lowercased()] && (grouped["merged"] as? [Any])?.isEmpty == true)
    }
}
