import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Queue
import Storage

/// The one write path for an image's rows and files: creating an image (its original stored,
/// its row, its registry entry, its timeline and its `process` job, or the image that already
/// has those bytes), and writing files for an existing image while its row is held. Uploads,
/// document pages and job handlers all go through here, so a file is never stored without its
/// registry entry, nor a row left pointing at a file that was not written.
public struct Catalog: Sendable {
    let client: DatabaseClient
    let store: any MediaStore
    let queue: JobQueue
    let logger: Logger

    public init(client: DatabaseClient, store: any MediaStore, queue: JobQueue, logger: Logger) {
        self.client = client
        self.store = store
        self.queue = queue
        self.logger = logger
    }

    /// Bytes that passed ingest's checks (or were made by facepipe itself, like a document page).
    public struct CheckedFile: Sendable {
        public enum Bytes: Sendable {
            case file(URL)
            case data(Data)
        }
        public var bytes: Bytes
        public var sha256: String
        public var mime: String
        /// The original's extension (from the sniffed type, never from the client's name).
        public var fileExtension: String
        public var byteCount: Int64
        /// Upright (EXIF-oriented) size.
        public var width: Int
        public var height: Int

        public init(bytes: Bytes, sha256: String, mime: String, fileExtension: String, byteCount: Int64, width: Int, height: Int) {
            self.bytes = bytes
            self.sha256 = sha256
            self.mime = mime
            self.fileExtension = fileExtension
            self.byteCount = byteCount
            self.width = width
            self.height = height
        }
    }

    /// Where the image came from and what its uploader asked for.
    public struct Provenance: Sendable {
        public var requestID: String?
        /// `Caller.id` of the uploader (the job's `requested_by`).
        public var requestedBy: String?
        public var blurFaces: Bool
        public var isPublic: Bool

        public init(requestID: String?, requestedBy: String?, blurFaces: Bool = false, isPublic: Bool = false) {
            self.requestID = requestID
            self.requestedBy = requestedBy
            self.blurFaces = blurFaces
            self.isPublic = isPublic
        }
    }

    public enum Creation: Sendable, Equatable {
        /// A new image: its original is stored and its `process` job queued (`jobID`).
        case created(id: UUID, originalKey: String, jobID: Int64)
        /// The same bytes are an image already (found in the transaction: a concurrent upload of
        /// them won). Nothing of this call is kept.
        case existing(UUID)

        public var imageID: UUID {
            switch self {
            case .created(let id, _, _), .existing(let id): id
            }
        }
    }

    /// Stores the original under a new random key, then in one transaction inserts the row
    /// (deduplicated by SHA-256), records the file, puts `image.uploaded` on the timeline, queues
    /// `process`, and runs `then` with the outcome — the caller's own rows (report membership,
    /// a used upload URL, a document page) commit or roll back with the image's. When the bytes
    /// turn out to be an image already, or anything fails, the stored original is deleted.
    public func createImage<T: Sendable>(
        _ file: CheckedFile, _ provenance: Provenance,
        then: @Sendable (Creation, PostgresConnection) async throws -> T
    ) async throws -> (Creation, T) {
        let id = UUID()
        let key = try MediaKey.original(id: id, ext: file.fileExtension, date: Date())
        switch file.bytes {
        case .file(let url): _ = try await store.put(key, file: url, contentType: file.mime)
        case .data(let data): _ = try await store.put(key, data: data, contentType: file.mime)
        }
        do {
            let image = NewImage(id: id, reportID: nil, sha256: file.sha256, mime: file.mime, bytes: file.byteCount, width: file.width,
                                 height: file.height, originalKey: key.rawValue, blurFaces: provenance.blurFaces,
                                 isPublic: provenance.isPublic)
            let result = try await client.withTransaction(logger: logger) { connection -> (Creation, T) in
                let creation: Creation
                switch try await ImageRepository(client: client, logger: logger).insert(image, on: connection) {
                case .duplicate(let existing):
                    creation = .existing(existing)
                case .inserted:
                    try await ImageFileRepository(client: client, logger: logger).record(id, [(.original, key.rawValue)], on: connection)
                    try await TimelineRepository(client: client, logger: logger).append(
                        .uploaded(bytes: Int(file.byteCount), mime: file.mime, requestID: provenance.requestID), imageID: id, on: connection)
                    let job = ImageJob.process(image: id).newJob(correlationID: provenance.requestID, requestedBy: provenance.requestedBy)
                    creation = .created(id: id, originalKey: key.rawValue, jobID: try await queue.enqueue(job, on: connection).jobID)
                }
                return (creation, try await then(creation, connection))
            }
            if case .existing = result.0 { try? await store.delete(key) }
            return result
        } catch {
            try? await store.delete(key)
            throw error
        }
    }

    /// Runs `body` while the image's row is held (`FOR NO KEY UPDATE`, in one transaction):
    /// erasure waits for it, and once it has committed, no file can be added behind erasure's
    /// back. Files go through the writer, which records each in the registry as it writes it.
    /// Returns nil when the image no longer exists (nothing is written).
    public func withImageLocked<T: Sendable>(
        _ image: ImageRecord, _ body: @Sendable (ImageWriter, PostgresConnection) async throws -> T
    ) async throws -> T? {
        try await client.withTransaction(logger: logger) { connection -> T? in
            guard try await ProcessingRepository(client: client, logger: logger).lock(image.id, on: connection) else { return nil }
            let writer = ImageWriter(image: image, store: store, registry: ImageFileRepository(client: client, logger: logger),
                                     connection: connection)
            return try await body(writer, connection)
        }
    }
}

/// Writes an image's files while `Catalog.withImageLocked` holds its row: the key comes from
/// what the file is (never from the caller), and the file is in the registry before the
/// transaction can commit. A re-run writes the same keys (derived from the original's).
public struct ImageWriter: Sendable {
    let image: ImageRecord
    let store: any MediaStore
    let registry: ImageFileRepository
    let connection: PostgresConnection

    /// What a file is, which decides its key.
    public enum File: Sendable {
        /// A square thumbnail or the whole-picture view, by its name (`thumb`, `view`, …).
        case thumbnail(name: String, fileExtension: String)
        /// One detected face's crop (private: reached only through signed URLs).
        case faceCrop(index: Int)
        /// An anonymized copy, by its options' digest and the month it was asked for.
        case processed(digest: String, fileExtension: String, requestedAt: Date)

        var kind: StoredFileKind {
            switch self {
            case .thumbnail: .thumbnail
            case .faceCrop: .faceCrop
            case .processed: .processed
            }
        }

        func key(for image: ImageRecord) throws -> MediaKey {
            switch self {
            case .thumbnail(let name, let ext):
                try MediaKey.thumbnail(id: image.id, variant: name, ext: ext, original: image.originalKey)
            case .faceCrop(let index):
                try MediaKey.faceCrop(id: image.id, index: index, original: image.originalKey)
            case .processed(let digest, let ext, let date):
                try MediaKey.processed(id: image.id, digest: digest, ext: ext, date: date, original: image.originalKey)
            }
        }
    }

    /// Writes `data` as `file` of the image and records it; returns its key.
    @discardableResult
    public func put(_ file: File, data: Data, contentType: String) async throws -> String {
        let key = try file.key(for: image)
        _ = try await store.put(key, data: data, contentType: contentType)
        try await registry.record(image.id, [(file.kind, key.rawValue)], on: connection)
        return key.rawValue
    }
}
