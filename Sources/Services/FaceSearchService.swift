import Crypto
import Faces
import FacepipeCore
import Foundation
import Imaging
import Ingest
import Logging
import Persistence
import Pipeline
import PostgresNIO
import Storage

/// "Has this face appeared in other reports?": one face in, the nearest faces of approved reports
/// out. Every search is audited, whoever asks and whatever it finds. Callers below gold get the
/// accused person's name masked and a thumbnail with every face blurred.
public struct FaceSearchService: Sendable {
    /// The detector and embedder the workers use (loaded once per process).
    public struct Models: Sendable {
        public var detector: CenterFaceDetector
        public var embedder: any FaceEmbedder
        public init(detector: CenterFaceDetector, embedder: any FaceEmbedder) {
            self.detector = detector
            self.embedder = embedder
        }
    }

    public struct Match: Sendable {
        public var reportID: String
        public var imageID: UUID
        public var faceID: UUID
        public var similarity: Double
        /// Nil when the caller asked for matches below `possible`.
        public var strength: FaceMatchStrength?
        public var identityID: UUID?
        public var perpetratorName: String?
        public var thumbnailURL: String?
    }

    let models: Models?
    public let matching: FaceMatchThresholds
    public var minSimilarity: Double { matching.possible }
    let faces: FaceRepository
    /// This process's copy of every embedded face, which proposes the candidates.
    public let index: FaceIndex
    let derivatives: DerivativeLinks
    let audit: AuditService
    let policy: AccessPolicy

    public init(models: Models?, matching: FaceMatchThresholds, client: DatabaseClient, index: FaceIndex, derivatives: DerivativeLinks, audit: AuditService,
                policy: AccessPolicy, logger: Logger) {
        self.models = models
        self.matching = matching
        self.faces = FaceRepository(client: client, logger: logger)
        self.index = index
        self.derivatives = derivatives
        self.audit = audit
        self.policy = policy
    }

    /// Checks the caller before the query image is read (the route spools it after this).
    public func authorize(_ context: CallContext) throws -> Models {
        try policy.require(.searchFaces, context.caller)
        guard let models else {
            throw APIError.unavailable("face search is not available on this server (face models missing)", code: "face_search_unavailable")
        }
        return models
    }

    /// - Parameter file: the spooled query image (finished).
    /// A search's matches and the similarity floor it used.
    public struct Outcome: Sendable {
        public var matches: [Match]
        /// The `minSimilarity` applied: the request's, or the calibrated "possible match" floor
        /// (`FACE_SEARCH_MIN_SIMILARITY`) when the request asked for less and the caller is
        /// below admin, or when it asked for nothing.
        public var minSimilarity: Double
        /// The request asked for less than the floor and was raised to it.
        public var raisedToFloor: Bool
    }

    /// The floor `requested` is held to for `caller`: seed 000's clients send 0.6, where this
    /// embedder scores most pairs of different people (≈ 0.82); below admin it is raised to
    /// the calibrated "possible match" threshold, and the answer says so.
    public func appliedMinSimilarity(_ requested: Double?, for caller: Caller) -> (value: Double, raised: Bool) {
        guard let requested else { return (minSimilarity, false) }
        if requested < minSimilarity, !policy.allows(caller, .searchBelowMatchFloor) { return (minSimilarity, true) }
        return (requested, false)
    }

    /// - Parameter file: the spooled query image (finished).
    public func search(_ file: UploadSpooler, filename: String?, minSimilarity requested: Double?, limit: Int,
                       _ context: CallContext) async throws -> Outcome
    {
        let models = try authorize(context)
        _ = try UploadTypeCheck.check(sniffed: MediaType.sniffImage(file.head), filename: filename, declaredMimeType: nil)
        let bytes = try Data(contentsOf: file.url)
        // Neither needs the photo's faces: both run while it is decoded, which takes one core.
        // The refresh is a task of its own so that a refused photo answers at once rather than
        // waiting for it (behind the first load, that could be half a minute).
        async let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let indexCaughtUp = Task { [faces, index] in try await faces.refresh(index) }
        let floor = appliedMinSimilarity(requested, for: context.caller)
        var auditData: [String: Any] = ["min_similarity": floor.value]
        do {
            let analysis: (faces: [FaceDetection], embedding: [Float]?)
            do {
                analysis = try await ImagingThreads.run { try Self.analyse(bytes, models: models) }
            } catch is ImagingError {
                throw APIError(status: 422, code: "corrupt_image", message: "the image cannot be decoded")
            }
            auditData["faces_in_query"] = analysis.faces.count
            guard !analysis.faces.isEmpty else {
                var error = APIError.badRequest("No face detected in image", code: "no_face")
                error.faces = []
                throw error
            }
            guard let embedding = analysis.embedding else {
                var error = APIError.badRequest("Multiple faces detected in image (\(analysis.faces.count)); crop it to one face",
                                                code: "multiple_faces")
                error.faces = analysis.faces
                throw error
            }
            try await indexCaughtUp.value
            let found = try await faces.search(embedding, index: index, refreshed: true, minSimilarity: floor.value, limit: limit)
            auditData["query_sha256"] = await digest
            auditData["returned_image_ids"] = found.map { $0.imageID.uuidString.lowercased() }
            try await audit.record(.faceSearch, context, data: auditData)
            let unmasked = policy.allows(context.caller, .seeUnmasked)
            let matches = found.map { match in
                Match(reportID: match.reportID, imageID: match.imageID, faceID: match.faceID,
                      similarity: (match.similarity * 10_000).rounded() / 10_000, strength: matching.strength(of: match.similarity),
                      identityID: match.identityID,
                      perpetratorName: unmasked ? match.perpetratorName : match.perpetratorName.map(NameMask.mask),
                      thumbnailURL: derivatives.faceThumbnail(unmasked: match.thumbnailKey, masked: match.blurredThumbnailKey,
                                                              for: context.caller))
            }
            return Outcome(matches: matches, minSimilarity: floor.value, raisedToFloor: floor.raised)
        } catch let error as APIError {
            auditData["query_sha256"] = await digest
            auditData["refused"] = error.code
            try await audit.record(.faceSearch, context, data: auditData)
            throw error
        }
    }

    /// Faces in the query image (as fractions of its size) and, when there is exactly one, its embedding.
    static func analyse(_ bytes: Data, models: Models) throws -> (faces: [FaceDetection], embedding: [Float]?) {
        let query = try FaceEmbedding.query(bytes, detector: models.detector, embedder: models.embedder)
        let (w, h) = (Double(max(1, query.width)), Double(max(1, query.height)))
        return (query.faces.map { $0.scaled(x: 1 / w, y: 1 / h) }, query.embedding)
    }
}
