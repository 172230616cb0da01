import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// Every embedded face in memory (`FaceVectorIndex`), for the nearest-face questions face
/// search, report links and identities ask. Each process that asks keeps its own copy (the API
/// for face search, workers for links and identities), loads it whole on the first refresh and
/// then tops it up before every question from `face_detections.embedded_at`, which a trigger
/// sets whenever a vector is written (migration 20).
///
/// The index only proposes candidates. Callers rank them exactly on the stored vectors in SQL,
/// where the rows must still exist and the caller's filters (approved reports, other images)
/// apply, so a face this copy still holds after its row went (an image processed again) can
/// never be answered; it only takes a candidate's place until the process restarts. Erased
/// images leave the copy at the next refresh: erasure leaves no vector behind in memory either.
public actor FaceIndex {
    private var index: FaceVectorIndex
    private var watermark: Date?
    private var erasureWatermark: Date?
    private let logger: Logger

    /// How far before the newest `embedded_at` seen each refresh reads again: the time is taken
    /// when the vector is written, before its transaction commits, so a row can become visible
    /// after a later one has been read. Reading a face again only replaces it.
    static let commitSlack: TimeInterval = 5

    public init(logger: Logger, parallelFrom: Int = 100_000) {
        self.index = FaceVectorIndex(parallelFrom: parallelFrom)
        self.logger = logger
    }

    public var count: Int { index.count }

    /// Loads faces embedded since the last refresh (every face the first time) and drops
    /// erased images' faces.
    public func refresh(on connection: PostgresConnection) async throws {
        let since = watermark.map { $0.addingTimeInterval(-Self.commitSlack) }
        let rows = try await connection.query(
            """
            SELECT id, image_id, embedding::real[], embedded_at FROM face_detections
            WHERE embedding IS NOT NULL AND (\(since)::timestamptz IS NULL OR embedded_at > \(since)::timestamptz)
            """, logger: logger)
        var newest = watermark
        for try await (face, image, vector, at) in rows.decode((UUID, UUID, [Float], Date?).self) {
            guard vector.count == FaceVectorIndex.dimensions else { continue }
            index.insert(faceID: face, imageID: image, vector: vector)
            if let at, at > (newest ?? .distantPast) { newest = at }
        }
        // Another refresh may have run while this one read rows: the watermark never goes back.
        if let newest, newest > (watermark ?? .distantPast) { watermark = newest }
        let erased = try await ErasureRepository.erased(since: erasureWatermark, on: connection, logger: logger)
        for item in erased { index.removeImage(item.imageID) }
        if let last = erased.last?.at, last > (erasureWatermark ?? .distantPast) { erasureWatermark = last }
    }

    /// `refresh(on:)` on a connection of its own.
    public func refresh(_ client: DatabaseClient) async throws {
        try await client.withConnection { try await refresh(on: $0) }
    }

    /// The `count` faces nearest to `vector` by the index's int8 scores, nearest first.
    public func nearest(to vector: [Float], count: Int, excludingImage: UUID? = nil) -> [FaceVectorIndex.Candidate] {
        index.nearest(to: vector, count: count, excludingImage: excludingImage)
    }

    /// The `count` faces nearest to a stored face (none if this copy does not hold it).
    public func nearest(toFace faceID: UUID, count: Int, excludingImage: UUID?) -> [FaceVectorIndex.Candidate] {
        guard let vector = index.vector(of: faceID) else { return [] }
        return index.nearest(to: vector, count: count, excludingImage: excludingImage)
    }
}
