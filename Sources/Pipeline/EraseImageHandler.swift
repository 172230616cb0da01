import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Queue
import Storage

/// The `erase_image` job: deletes every file `image_files` lists for an erased image (original,
/// thumbnails, face crops, processed copies; local or S3), forgets them, and completes the
/// tombstone. Deleting a file that is gone already is not an error, so a run interrupted half-way
/// is simply run again.
public struct EraseImageHandler: JobHandler {
    let client: DatabaseClient
    let store: any MediaStore
    let logger: Logger

    public init(client: DatabaseClient, store: any MediaStore, logger: Logger) {
        self.client = client
        self.store = store
        self.logger = logger
    }

    public func handle(_ job: ClaimedJob, context: JobContext) async throws {
        let id = try job.decodePayload(ImageJob.ErasePayload.self).imageId
        let erasures = ErasureRepository(client: client, logger: logger)
        guard try await erasures.find(id) != nil else { throw PermanentJobError("no erasure was requested for image \(id)") }
        let registry = ImageFileRepository(client: client, logger: logger)
        let files = try await registry.files(of: id)
        for file in files {
            try await store.delete(try MediaKey(file.key))
        }
        try await registry.forget(id, keys: files.map(\.key))
        try await erasures.complete(id)
        context.logger.info("image erased", metadata: ["image_id": "\(id)", "files": "\(files.count)"])
    }
}
