import Faces
import FacepipeCore
import Foundation
import Imaging
import Logging
import NIOPosix
import Persistence
import PostgresNIO
import Queue
import Storage

/// The `embed_faces` job: an L2-normalised embedding for every detected face of an image, stored
/// in `face_detections.embedding` (pgvector; searched through each process's `FaceIndex`). Idempotent: it overwrites.
public struct EmbedFacesHandler: JobHandler {
    let client: DatabaseClient
    let store: any MediaStore
    let embedder: any FaceEmbedder
    let logger: Logger
    /// Faces at least `possible`-similar to a face of another image link their reports and
    /// join its identity.
    let matching: FaceMatchThresholds
    let linkObserver: (any ReportLinkObserver)?
    /// Age and gender per face (`FACE_ATTRIBUTES`); nil when off.
    let attributes: FaceAttributeEstimator?
    /// Face links between reports and identities (`FACE_LINKING`); off, embeddings only.
    let linking: Bool
    /// This worker's copy of every embedded face, which proposes the neighbours links and
    /// identities rank; one per process, shared by its jobs.
    let faceIndex: FaceIndex

    public init(client: DatabaseClient, store: any MediaStore, embedder: any FaceEmbedder, faceIndex: FaceIndex, logger: Logger,
                matching: FaceMatchThresholds = FaceMatchThresholds(), linkObserver: (any ReportLinkObserver)? = nil,
                attributes: FaceAttributeEstimator? = nil, linking: Bool = true) {
        self.attributes = attributes
        self.linking = linking
        self.client = client
        self.store = store
        self.embedder = embedder
        self.logger = logger
        self.matching = matching
        self.linkObserver = linkObserver
        self.faceIndex = faceIndex
    }

    public func handle(_ job: ClaimedJob, context: JobContext) async throws {
        guard let id = job.imageID, let image = try await ImageRepository(client: client, logger: logger).find(id) else {
            throw PermanentJobError("image \(job.imageID?.uuidString ?? "(none)") no longer exists")
        }
        let faces = try await FaceRepository(client: client, logger: logger).faces(of: id)
        guard !faces.isEmpty else { return }
        let embedder = self.embedder, estimator = self.attributes
        let analysed: [FaceEmbedding.Analysis]
        if faces.allSatisfy({ $0.cropKey != nil && $0.faceInCrop != nil }) {
            // The private crops process_image stored: a few KB each instead of the original.
            var crops: [(Data, FaceBox)] = []
            for face in faces {
                guard let key = face.cropKey, let box = face.faceInCrop else {
                    throw PermanentJobError("face \(face.index) of image \(id) has no stored crop")
                }
                crops.append((try await store.required(key, "face crop", maxBytes: 16 << 20), box))
            }
            let inputs = crops
            analysed = try await ImagingThreads.run {
                try inputs.map { try FaceEmbedding.analyse(crop: $0.0, faceInCrop: $0.1, embedder: embedder, attributes: estimator) }
            }
        } else {
            let bytes = try await store.required(image.originalKey, "original")
            let boxes = faces.map(\.box)
            analysed = try await ImagingThreads.run { try FaceEmbedding.analyse(bytes, faces: boxes, embedder: embedder, attributes: estimator) }
        }
        var estimates: [Int: FaceAttributes] = [:]
        for (face, analysis) in zip(faces, analysed) { estimates[face.index] = analysis.attributes }
        let timeline = TimelineRepository(client: client, logger: logger)
        try await client.withTransaction(logger: logger) { connection in
            try await FaceRepository(client: client, logger: logger).saveEmbeddings(
                zip(faces.map(\.index), analysed).map { ($0, $1.vector) }, attributes: estimates, imageID: id, on: connection)
            try await timeline.append(.facesEmbedded(faces: analysed.count), imageID: id, jobID: job.id, on: connection)
        }
        guard linking else {
            context.logger.info("faces embedded", metadata: ["image_id": "\(id)", "faces": "\(faces.count)", "linking": "off"])
            return
        }
        // Outside the transactions: the first refresh in a process loads every face.
        try await faceIndex.refresh(client)
        // The same person in another image connects the reports (one report.linked per new connection).
        let linked = try await client.withTransaction(logger: logger) { connection in
            let fresh = try await ReportLinkRepository(client: client, logger: logger).recordFaceMatches(
                id, minSimilarity: matching.possible, perFace: 20, index: faceIndex, on: connection)
            try await timeline.announce(fresh, observer: linkObserver, correlationID: job.correlationID, on: connection)
            return fresh
        }
        // Group the faces into identities (after the embeddings are committed, so a concurrent
        // job embedding the same person sees them once it holds the identities' lock).
        let assigned = try await client.withTransaction(logger: logger) { connection in
            let identities = IdentityRepository(client: client, logger: logger)
            let assigned = try await identities.assign(id, thresholds: matching, index: faceIndex, on: connection)
            if !assigned.isEmpty {
                try await timeline.append(.facesGrouped(identities: assigned.map(\.identityID), new: assigned.filter(\.created).map(\.identityID),
                                                        merged: assigned.flatMap(\.merged)), imageID: id, jobID: job.id, on: connection)
            }
            return assigned
        }
        context.logger.info("faces embedded", metadata: [
            "image_id": "\(id)", "faces": "\(faces.count)", "new_report_links": "\(linked.count)",
            "new_identities": "\(assigned.filter(\.created).count)", "merged_identities": "\(assigned.map(\.merged.count).reduce(0, +))",
        ])
    }
}

/// Decoding for embeddings: the upright image just large enough that the smallest face is
/// `faceSide` px (dlib's 150 px aligned chip then never upsamples it), at most 1600 px; boxes
/// scaled to match (for rows stored before face crops recorded where the face sits in them).
public enum FaceEmbedding {
    public static let maxDimension = 1600
    static let faceSide = 200.0

    public static func decodeSize(_ header: ImageHeader, faces: [FaceBox]) -> Int {
        let long = max(header.uprightWidth, header.uprightHeight)
        let smallest = Double(faces.map { max($0.width, $0.height) }.min() ?? 1)
        let needed = Int((Double(long) * faceSide / max(smallest, 1)).rounded(.up))
        return max(1, min(long, maxDimension, max(needed, 640)))
    }

    /// A face's embedding and, when an estimator is given, its estimated age and gender (from
    /// the same decoded pixels).
    public struct Analysis: Sendable {
        public var vector: [Float]
        public var attributes: FaceAttributes?
    }

    /// One face from its stored crop; `faceInCrop` is `DetectedFace.faceInCrop`, in crop pixels.
    public static func embed(crop: Data, faceInCrop face: FaceBox, embedder: any FaceEmbedder) throws -> [Float] {
        try analyse(crop: crop, faceInCrop: face, embedder: embedder, attributes: nil).vector
    }

    public static func analyse(crop: Data, faceInCrop face: FaceBox, embedder: any FaceEmbedder, attributes: FaceAttributeEstimator?)
        throws -> Analysis
    {
        let decoded = try DecodedImage(crop, maxDimension: 1024, limits: .unlimited)
        let pixels = try decoded.rgb(maxDimension: 1024)
        guard let vector = try embedder.embed(pixels, faces: [face]).first else {
            throw ImagingError.operationFailed("the embedder returned no vector")
        }
        return Analysis(vector: vector, attributes: try attributes?.estimate(pixels, faces: [face]).first)
    }

    public static func embed(_ bytes: Data, faces: [FaceBox], embedder: any FaceEmbedder) throws -> [[Float]] {
        try analyse(bytes, faces: faces, embedder: embedder, attributes: nil).map(\.vector)
    }

    public static func analyse(_ bytes: Data, faces: [FaceBox], embedder: any FaceEmbedder, attributes: FaceAttributeEstimator?)
        throws -> [Analysis]
    {
        let header = try ImageProbe.probe(bytes)
        let size = decodeSize(header, faces: faces)
        let decoded = try DecodedImage(bytes, maxDimension: size, limits: .unlimited)
        let pixels = try decoded.rgb(maxDimension: size)
        let scaleX = Float(pixels.width) / Float(header.uprightWidth), scaleY = Float(pixels.height) / Float(header.uprightHeight)
        let boxes = faces.map { $0.scaled(x: Double(scaleX), y: Double(scaleY)) }
        let vectors = try embedder.embed(pixels, faces: boxes)
        let estimates = try attributes?.estimate(pixels, faces: boxes)
        return vectors.enumerated().map { Analysis(vector: $1, attributes: estimates?[$0]) }
    }
}
