import FacepipeCore
import Foundation
import Imaging
import Logging
import Persistence
import PostgresNIO
import Queue
import Storage

/// The `relink_duplicates` job: near-duplicate pairs made by an older rule are re-judged by
/// today's `DuplicateRule` (issue 23; migration 16 queues it on upgrade, keeping only pairs a
/// person reviewed).
///
/// Each image is hashed again from its original (so hashes follow today's hashing, content box
/// included) and looked up, with its lookup keys, among the images processed before it — the
/// lookups process_image made when each image arrived, made again. Its undecided pairs with those
/// images that the rule no longer supports go; reviewed pairs stay as reviewed. After the last
/// image, near-duplicate report connections no pair supports are forgotten. A run links `batchSize` images
/// and queues the next run from where it stopped (a shutdown never waits for more than a batch);
/// a retried run repeats its batch, which upserts the same pairs.
///
/// Report connections already announced are not announced again (`report_links` keeps them);
/// one the old rule never made (a framed copy, say) gets its `report.linked` like any other.
public struct RelinkDuplicatesHandler: JobHandler {
    let client: DatabaseClient
    let store: any MediaStore
    let rule: DuplicateRule
    let batchSize: Int
    let observer: (any ReportLinkObserver)?
    let logger: Logger

    /// - Parameter observer: told about report connections never announced before (the webhook).
    public init(client: DatabaseClient, store: any MediaStore, rule: DuplicateRule, batchSize: Int = 200,
                observer: (any ReportLinkObserver)? = nil, logger: Logger) {
        self.observer = observer
        self.client = client
        self.store = store
        self.rule = rule
        self.batchSize = batchSize
        self.logger = logger
    }

    public func handle(_ job: ClaimedJob, context: JobContext) async throws {
        let payload = (try? job.decodePayload(ImageJob.RelinkPayload.self)) ?? ImageJob.RelinkPayload(after: nil)
        let processing = ProcessingRepository(client: client, logger: logger)
        let index = DuplicateIndex(rule: rule)
        if let after = payload.after {
            for row in try await processing.hashes(through: after) { await index.insert(row.id, row.fingerprint) }
        }
        let batch = try await processing.relinkBatch(after: payload.after, limit: batchSize)
        var pairs = 0
        for item in batch {
            guard let (hashes, keys) = try await hashes(of: item) else {
                // Nothing to judge it by: it links to nothing the rule has not seen.
                try await client.withTransaction(logger: logger) { connection in
                    try await processing.prunePairs(item.id, keeping: [], on: connection)
                }
                continue
            }
            let fingerprint = ImageFingerprint(hashes: hashes, keys: keys)
            let matches = await index.matches(for: hashes, keys: keys, excluding: item.id)
            let linked = try await client.withTransaction(logger: logger) { connection -> Bool in
                guard try await processing.lock(item.id, on: connection) else { return false }  // erased meanwhile
                try await processing.updateHashes(item.id, fingerprint, on: connection)
                try await processing.savePairs(item.id, matches, on: connection)
                try await processing.prunePairs(item.id, keeping: matches.map(\.otherImageID), on: connection)
                let fresh = try await ReportLinkRepository(client: client, logger: logger).recordNearDuplicates(
                    item.id, others: matches.map(\.otherImageID), strengths: matches.map(\.strength), on: connection)
                try await TimelineRepository(client: client, logger: logger).announce(
                    fresh, observer: observer, correlationID: job.correlationID, on: connection)
                return true
            }
            guard linked else { continue }
            await index.insert(item.id, fingerprint)
            pairs += matches.count
        }
        context.logger.info("relinked near-duplicates", metadata: [
            "images": "\(batch.count)", "pairs": "\(pairs)", "done": "\(batch.count < batchSize)",
        ])
        guard batch.count == batchSize, let last = batch.last else {
            try await processing.pruneNearDuplicateReportLinks()
            return
        }
        try await JobQueue(client: client, defaultMaxAttempts: job.maxAttempts, logger: logger).enqueue(
            ImageJob.relinkDuplicates(after: last.cursor).newJob(correlationID: job.correlationID))
    }

    /// Today's hashes and lookup keys from the original; the stored hashes (no keys) when the
    /// original cannot be read or decoded; nil when there are neither.
    func hashes(of item: ProcessingRepository.RelinkItem) async throws -> (ImageHashes, [LookupKey])? {
        if let key = try? MediaKey(item.originalKey), let buffer = try await store.get(key, maxBytes: 1 << 30) {
            let bytes = Data(buffer.readableBytesView)
            if let both = try? await ImagingThreads.run({ try ImageAnalysis.hashesAsProcessed(bytes) }) {
                return (both.hashes, both.keys)
            }
        }
        logger.warning("relink: original unreadable, using the stored hashes", metadata: ["image_id": "\(item.id)"])
        return item.stored.map { stored in (stored.hashes, stored.regionKeys) }
    }
}
