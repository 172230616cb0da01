import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// Every embedded face in memory (`FaceVectorIndex`), for the nearest-face questions face
/// search, report links and identities ask. Each process that asks keeps its own copy (the API
/// for face search, workers for links and identities), loads it whole on the first refresh and
/// then tops it up before every question, and at least every `FaceIndexRefresher` period.
///
/// The index only proposes candidates. Callers rank them exactly on the stored vectors in SQL,
/// where the rows must still exist and the caller's filters (approved reports, other images)
/// apply, so a face this copy still holds after its row went can never be answered. Faces whose
/// rows were deleted (an image processed again replaces them) and erased images leave the copy
/// at the next refresh; erased images never come back into it.
public actor FaceIndex {
    private var index: FaceVectorIndex
    /// What the last refresh's snapshot had not seen end: transactions from `xmax` on, and
    /// those in `running`. Nil before the first refresh.
    private var unseen: (xmax: Int64, running: [Int64])?
    /// Erased images: their faces are never loaded again, whatever a refresh reads.
    private var erased: Set<UUID> = []
    /// Refreshes run one at a time, in the order they were asked for: a refresh from an older
    /// snapshot must not put back what a newer one removed or replaced.
    private var refreshing = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private let logger: Logger

    public init(logger: Logger, parallelFrom: Int = 100_000) {
        self.index = FaceVectorIndex(parallelFrom: parallelFrom)
        self.logger = logger
    }

    public var count: Int { index.count }

    /// Loads faces embedded since the last refresh (every face the first time) and drops
    /// deleted faces and erased images' faces, in one statement.
    ///
    /// Face rows carry the id of the transaction that wrote their vector (`embedded_xid`),
    /// erasures the one that recorded them (`recorded_xid`; migration 20), and deleted faces the
    /// one that deleted them (`removed_xid`; migration 21). Every transaction
    /// below the statement snapshot's `xmax` and not in its in-progress list had ended when the
    /// snapshot was taken: what it committed was read now, or earlier. The next refresh reads only
    /// the others. Call it outside any transaction that has written vectors itself: its own
    /// uncommitted rows would be read as if they were committed.
    public func refresh(on connection: PostgresConnection) async throws {
        await acquire()
        defer { release() }
        try await read(on: connection)
    }

    /// `refresh(on:)` on a connection of its own, leased only once this refresh's turn has come:
    /// refreshes queued behind a long first load hold no connections.
    public func refresh(_ client: DatabaseClient) async throws {
        await acquire()
        defer { release() }
        try await client.withConnection { try await read(on: $0) }
    }

    /// The refresh itself; the caller holds the turn.
    private func read(on connection: PostgresConnection) async throws {
        var next: (xmax: Int64, running: [Int64])?
        var erasedNow: [UUID] = []
        func apply(_ row: Refresh.Row) {
            let (face, image, vector, xmax, running) = row
            if let face, let image, let vector {
                guard vector.count == FaceVectorIndex.dimensions, !erased.contains(image) else { return }
                index.insert(faceID: face, imageID: image, vector: vector)
            } else if let face {
                index.remove(faceID: face)
            } else if let image {
                erasedNow.append(image)
            } else if let xmax {
                next = (xmax, running ?? [])
            }
        }
        if let unseen {
            for try await row in try await connection.execute(Refresh(xmax: unseen.xmax, running: unseen.running), logger: logger) {
                apply(row)
            }
        } else {
            // Streamed: a million vectors are not held twice.
            for try await row in try await connection.query(Refresh.everything, logger: logger).decode(Refresh.Row.self) {
                apply(row)
            }
        }
        // After the faces: one erased in this same window leaves too.
        for image in erasedNow {
            erased.insert(image)
            index.removeImage(image)
        }
        if let next { unseen = next }
    }

    /// The refresh's statement: faces whose vector was written, erasures recorded and face rows
    /// deleted (`face_removals`, migration 21) by a transaction the previous snapshot had not
    /// seen end; then this snapshot's `xmax` and in-progress list. Prepared, as it runs before
    /// every question: parsed once per connection (PostgreSQL keeps planning it per call, as a
    /// generic plan could not know how few rows `>= $1` selects). The first load reads
    /// everything once with `everything`, unprepared: run as this statement from xid 0, its
    /// million-row plan would count in the cost PostgreSQL weighs a generic plan against.
    struct Refresh: PostgresPreparedStatement {
        static let sql = """
            WITH snapshot AS (SELECT pg_current_snapshot() AS s)
            SELECT f.id, f.image_id, f.embedding::real[], NULL::bigint, NULL::bigint[]
            FROM face_detections f
            WHERE f.embedding IS NOT NULL AND (f.embedded_xid >= $1 OR f.embedded_xid = ANY($2::bigint[]))
            UNION ALL
            SELECT NULL, e.image_id, NULL, NULL, NULL FROM erasures e
            WHERE e.recorded_xid >= $1 OR e.recorded_xid = ANY($2::bigint[])
            UNION ALL
            SELECT r.face_id, NULL, NULL, NULL, NULL FROM face_removals r
            WHERE r.removed_xid >= $1 OR r.removed_xid = ANY($2::bigint[])
            UNION ALL
            \(snapshotRow)
            """
        static let everything: PostgresQuery = """
            WITH snapshot AS (SELECT pg_current_snapshot() AS s)
            SELECT f.id, f.image_id, f.embedding::real[], NULL::bigint, NULL::bigint[]
            FROM face_detections f WHERE f.embedding IS NOT NULL
            UNION ALL
            SELECT NULL, e.image_id, NULL, NULL, NULL FROM erasures e
            UNION ALL
            \(unescaped: snapshotRow)
            """
        private static let snapshotRow = """
            SELECT NULL, NULL, NULL, pg_snapshot_xmax(s)::text::bigint,
                   ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x)
            FROM snapshot
            """
        typealias Row = (UUID?, UUID?, [Float]?, Int64?, [Int64]?)

        var xmax: Int64
        var running: [Int64]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(xmax)
            bindings.append(running)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    private func acquire() async {
        guard refreshing else {
            refreshing = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the turn to the next refresh in line (which then runs with `refreshing` still set).
    private func release() {
        if waiting.isEmpty { refreshing = false } else { waiting.removeFirst().resume() }
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
