import FacepipeCore
import Foundation
import Persistence
import Pipeline
import PostgresNIO
import Queue
import Server
import Storage
import Webhooks

/// Queues `image.processed`, `image.anonymized` and `report.linked` webhooks in the same
/// transaction as the outcome they report.
struct WebhookObserver: ProcessingObserver, AnonymizationObserver {
    let enqueuer: WebhookEnqueuer
    let links: MediaLinks

    func processed(_ image: ImageRecord, _ result: ProcessingResult, duplicates: [DuplicateMatch], job: ClaimedJob,
                   on connection: PostgresConnection) async throws {
        // The platform's back end reads these as an admin would (faces shown), signed for a day.
        let thumbnails = result.thumbnails.mapValues { links.url(forKey: $0, ttlSeconds: MediaLinks.webhookTTLSeconds) }
        let payload = WebhookPayload(
            imageId: image.id, reportId: image.reportID, status: .completed, sha256: image.sha256, width: result.width,
            height: result.height,
            // From the processing just finished (the row was read before it ran).
            hasFaces: result.faces.map { !$0.isEmpty } ?? image.hasFaces, faceCount: result.faces?.count ?? image.faceCount, hashes: .init(result.hashes),
            thumbnails: WebhookPayload.Thumbnail.list(thumbnails),
            duplicates: duplicates.map(WebhookPayload.Duplicate.init), processedAt: Date())
        try await enqueuer.enqueue(payload, on: connection, correlationID: job.correlationID)
    }

    func failed(_ image: ImageRecord, error: String, job: ClaimedJob, on connection: PostgresConnection) async throws {
        let payload = WebhookPayload(imageId: image.id, reportId: image.reportID, status: .failed, sha256: image.sha256,
                                     processedAt: Date(), error: error)
        try await enqueuer.enqueue(payload, on: connection, correlationID: job.correlationID)
    }

    func anonymized(_ image: ImageRecord, _ variant: ProcessedVariant, job: ClaimedJob, on connection: PostgresConnection)
        async throws {
        guard let key = variant.mediaKey else { return }
        try await enqueuer.enqueue(AnonymizedPayload(image: image, variant: variant, url: links.url(forKey: key, ttlSeconds: MediaLinks.webhookTTLSeconds)),
                                   on: connection, correlationID: job.correlationID)
    }

    func linked(_ link: NewReportLink, correlationID: String?, on connection: PostgresConnection) async throws {
        try await enqueuer.enqueue(ReportLinkedPayload(link), on: connection, correlationID: correlationID)
    }
}
