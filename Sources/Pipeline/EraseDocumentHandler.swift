import FacepipeCore
import Foundation
import Queue
import Storage

/// The `erase_document` job: deletes an erased document's original. Its row went in the
/// transaction that queued this job (its page images go by their own `erase_image` jobs);
/// deleting a file that is gone already is not an error, so a retry is harmless.
public struct EraseDocumentHandler: JobHandler {
    let store: any MediaStore

    public init(store: any MediaStore) {
        self.store = store
    }

    public func handle(_ job: ClaimedJob, context: JobContext) async throws {
        let payload = try job.decodePayload(ImageJob.EraseDocumentPayload.self)
        try await store.delete(try MediaKey(payload.originalKey))
        context.logger.info("document original erased", metadata: ["document_id": "\(payload.document)"])
    }
}
