import Foundation

/// facepipe's own work on images and documents. Each case knows its job kind, its payload and
/// its dedupe key, so whoever queues it and the handler that runs it agree by construction
/// (handlers decode the payload types below). A worker refuses to start while a kind has no
/// handler (`JobHandlerRegistry.requireEvery`), so a new case cannot sit queued unseen.
public enum ImageJob: Sendable, Equatable {
    /// Thumbnails, view, metadata, hashes, faces, near-duplicate pairs (again after a re-upload
    /// asks for blurring, or an approval brings the image into a report).
    case process(image: UUID)
    /// Embeds the image's detected faces, links them across reports, groups them into identities.
    case embed(image: UUID)
    /// Makes one anonymized copy (a `processed_variants` row, asked for with those options).
    case anonymize(image: UUID, variant: UUID, optionsDigest: String)
    /// Deletes every stored file of an erased image (its row is gone: the job names it in the payload).
    case erase(image: UUID)
    /// Deletes an erased document's original (its row is gone: the job carries the key), retried
    /// until the store has it gone.
    case eraseDocument(document: UUID, originalKey: String)
    /// Renders a document's pages into page images (each then goes through `process`).
    case render(document: UUID)
    /// Hashes every finished image again and links them by today's `DuplicateRule`, oldest
    /// first, one batch per run after `after` (queued by migration 16 and by each batch).
    case relinkDuplicates(after: RelinkCursor?)

    /// The kinds, as stored in `jobs.kind`.
    public enum Kind: String, Sendable, CaseIterable {
        case process = "process_image"
        case embed = "embed_faces"
        case anonymize
        case erase = "erase_image"
        case eraseDocument = "erase_document"
        case render = "render_document"
        case relinkDuplicates = "relink_duplicates"

        public var jobKind: JobKind { JobKind(rawValue: rawValue) }
    }

    public var kind: Kind {
        switch self {
        case .process: .process
        case .embed: .embed
        case .anonymize: .anonymize
        case .erase: .erase
        case .eraseDocument: .eraseDocument
        case .render: .render
        case .relinkDuplicates: .relinkDuplicates
        }
    }

    /// The `jobs.image_id` column: the image the job works on while its row exists (an erase
    /// outlives the row, a document's render has none yet).
    public var imageID: UUID? {
        switch self {
        case .process(let image), .embed(let image), .anonymize(let image, _, _): image
        case .erase, .eraseDocument, .render, .relinkDuplicates: nil
        }
    }

    /// At most one queued-or-running job per key: the same work asked twice runs once.
    public var dedupeKey: String {
        func id(_ uuid: UUID) -> String { uuid.uuidString.lowercased() }
        return switch self {
        case .process(let image): "\(kind.rawValue):\(id(image))"
        case .embed(let image): "\(kind.rawValue):\(id(image))"
        case .anonymize(let image, _, let digest): "\(kind.rawValue):\(id(image)):\(digest)"
        case .erase(let image): "\(kind.rawValue):\(id(image))"
        case .eraseDocument(let document, _): "\(kind.rawValue):\(id(document))"
        case .render(let document): "\(kind.rawValue):\(id(document))"
        case .relinkDuplicates(let after): after.map { "\(kind.rawValue):\(id($0.id))" } ?? kind.rawValue
        }
    }

    /// The payload as JSON object text.
    public var payload: String {
        func encoded(_ value: some Encodable) -> String {
            // These payloads are UUIDs and integers: encoding them cannot fail.
            (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        return switch self {
        case .process, .embed: "{}"
        case .anonymize(_, let variant, _): encoded(AnonymizePayload(variant: variant))
        case .erase(let image): encoded(ErasePayload(imageId: image))
        case .eraseDocument(let document, let key): encoded(EraseDocumentPayload(document: document, originalKey: key))
        case .render(let document): encoded(RenderPayload(document: document))
        case .relinkDuplicates(let after): encoded(RelinkPayload(after: after))
        }
    }

    /// The row to enqueue.
    /// - Parameters:
    ///   - correlationID: the request that caused it (carried into the job's logs).
    ///   - requestedBy: `Caller.id` of that request's caller.
    public func newJob(correlationID: String?, requestedBy: String? = nil, priority: Int = 0) -> NewJob {
        NewJob(kind: kind.jobKind, payload: payload, imageID: imageID, priority: priority, dedupeKey: dedupeKey,
               correlationID: correlationID, requestedBy: requestedBy)
    }

    public struct AnonymizePayload: Codable, Sendable, Equatable {
        /// nil in jobs queued before copies had rows: the handler then asks for the defaults.
        public var variant: UUID?
        public init(variant: UUID?) { self.variant = variant }
    }

    public struct ErasePayload: Codable, Sendable, Equatable {
        public var imageId: UUID
        public init(imageId: UUID) { self.imageId = imageId }
    }

    public struct EraseDocumentPayload: Codable, Sendable, Equatable {
        public var document: UUID
        public var originalKey: String
        public init(document: UUID, originalKey: String) {
            self.document = document
            self.originalKey = originalKey
        }
    }

    public struct RenderPayload: Codable, Sendable, Equatable {
        public var document: UUID
        public init(document: UUID) { self.document = document }
    }

    public struct RelinkPayload: Codable, Sendable, Equatable {
        public var after: RelinkCursor?
        public init(after: RelinkCursor?) { self.after = after }
    }
}

/// Where a relink run stopped: the last image's `created_at` (microseconds) and id.
public struct RelinkCursor: Sendable, Codable, Equatable {
    public var micros: Int64
    public var id: UUID
    public init(micros: Int64, id: UUID) {
        self.micros = micros
        self.id = id
    }
}

extension JobKind {
    public static let processImage = ImageJob.Kind.process.jobKind
    public static let embedFaces = ImageJob.Kind.embed.jobKind
    public static let anonymize = ImageJob.Kind.anonymize.jobKind
    public static let eraseImage = ImageJob.Kind.erase.jobKind
    public static let eraseDocument = ImageJob.Kind.eraseDocument.jobKind
    public static let renderDocument = ImageJob.Kind.render.jobKind
    public static let relinkDuplicates = ImageJob.Kind.relinkDuplicates.jobKind
}
