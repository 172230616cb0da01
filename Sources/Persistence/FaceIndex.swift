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

    /// `nearest(to:count:)` after a refresh, with the refresh's round trip to the database
    /// overlapping the scan: what face search asks. The turn is taken first, so no other refresh
    /// changes this copy in between; the scan runs while the refresh's rows are on their way,
    /// and faces the refresh then brings in are scored and merged. If it removed faces or gave
    /// one it held a new vector (rare: an image processed again, an erasure), the scan runs
    /// again: a face that left or moved away may have held one of the `count` places, and the
    /// face that should take it was never scored.
    public func nearest(to vector: [Float], count: Int, refreshingWith client: DatabaseClient) async throws -> [FaceVectorIndex.Candidate] {
        await acquire()
        defer { release() }
        guard let unseen else {
            // The first load streams a million rows into this copy: nothing to overlap.
            try await client.withConnection { try await read(on: $0) }
            return index.nearest(to: vector, count: count)
        }
        async let rows = Self.fetch(Refresh(xmax: unseen.xmax, running: unseen.running), from: client, logger: logger)
        let scanned = index.nearest(to: vector, count: count)
        var pass = Pass()
        for row in try await rows { apply(row, to: &pass) }
        finish(&pass)
        // Scoring faces one by one costs about what scanning them costs: a large batch is scanned.
        if pass.rescan || pass.inserted.count > Self.mergedAtMost { return index.nearest(to: vector, count: count) }
        guard !pass.inserted.isEmpty else { return scanned }
        var best: [UUID: FaceVectorIndex.Candidate] = [:]
        for candidate in scanned { best[candidate.faceID] = candidate }
        for candidate in index.scores(of: pass.inserted, to: vector) { best[candidate.faceID] = candidate }
        return best.values.sorted { $0.similarity > $1.similarity || ($0.similarity == $1.similarity && $0.faceID.uuidString < $1.faceID.uuidString) }
            .prefix(count).map { $0 }
    }

    /// The most faces a refresh may bring in for `nearest(to:count:refreshingWith:)` to score
    /// them alone rather than scan again.
    static let mergedAtMost = 10_000

    /// The incremental refresh's rows, read to the end on a connection of its own. Not isolated:
    /// it runs while the actor scans.
    private nonisolated static func fetch(_ statement: Refresh, from client: DatabaseClient, logger: Logger) async throws -> [Refresh.Row] {
        try await client.execute(statement, logger: logger)
    }

    /// The refresh itself; the caller holds the turn.
    private func read(on connection: PostgresConnection) async throws {
        var pass = Pass()
        if let unseen {
            for try await row in try await connection.execute(Refresh(xmax: unseen.xmax, running: unseen.running), logger: logger) {
                apply(row, to: &pass)
            }
        } else {
            // Streamed: a million vectors are not held twice.
            for try await row in try await connection.query(Refresh.everything, logger: logger).decode(Refresh.Row.self) {
                apply(row, to: &pass)
            }
        }
        finish(&pass)
    }

    /// What one refresh has read so far, and what it changed.
    private struct Pass {
        /// The snapshot row: where the next refresh starts.
        var next: (xmax: Int64, running: [Int64])?
        var erasedNow: [UUID] = []
        /// Faces put in.
        var inserted: [UUID] = []
        /// Whether a face left (deleted, or its image erased) or one held here got a new vector.
        var rescan = false
    }

    private func apply(_ row: Refresh.Row, to pass: inout Pass) {
        let (face, image, vector, xmax, running) = row
        if let face, let image, let vector {
            guard vector.count == FaceVectorIndex.dimensions, !erased.contains(image) else { return }
            if index.contains(face) { pass.rescan = true }
            index.insert(faceID: face, imageID: image, vector: vector)
            pass.inserted.append(face)
        } else if let face {
            if index.contains(face) { pass.rescan = true }
            index.remove(faceID: face)
        } else if let image {
            pass.erasedNow.append(image)
        } else if let xmax {
            pass.next = (xmax, running ?? [])
        }
    }

    private func finish(_ pass: inout Pass) {
        // After the faces: one erased in this same window leaves too.
        for image in pass.erasedNow {
            erased.insert(image)
            let before = index.count
            index.removeImage(image)
            if index.count != before { pass.rescan = true }
        }
        if let next = pass.next { unseen = next }
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
        await PendingWaits.track("face index refresh turn") { await withCheckedContinuation { waiting.append($0) } }
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
