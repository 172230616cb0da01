import ArgumentParser
import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO

/// What the search benchmark fills the table with.
enum VectorDistribution: String, ExpressibleByArgument, CaseIterable {
    /// Identities with 5 photos each, isotropic Gaussian clusters around a common centre,
    /// spread like dlib's embeddings of real photos (`facepipe bench face-calibration`): two
    /// photos of one person have cosine similarity ≈ 0.96 (dlib: 0.95–0.97), two people ≈ 0.82
    /// (dlib: 0.80–0.83 for obama vs biden, up to 0.94 for look-alikes; the Gaussian tail
    /// reaches there at this size). Queries are new photos of stored identities, which is what
    /// "has this face appeared in another report?" asks.
    case faces
    /// Uniform random directions, queried with random directions: every stored vector is
    /// almost equally far from the query, the hardest case for any approximate index.
    case uniform
}

extension FacesBench {
    static let photosPerIdentity = 5

    /// Face search through `FaceRepository.search` (the query `POST /search/face` runs: candidates
    /// from the in-memory `FaceIndex`, ranked exactly in SQL among approved reports) against
    /// exact search on the same rows; then, unless `--no-hnsw-baseline`, the HNSW graph that
    /// served searches before migration 20, queried as it was, in the same run.
    func searchBenchmark(count: Int, config: AppConfig, logger: Logger) async throws {
        try await withScratchDatabase("facepipe_bench_faces", config: config, logger: logger) { url in
            try await Database.withClient(url: url, poolSize: 4, logger: logger) { client in
                _ = try await Migrator().migrate(client, logger: logger)
                let loadStart = ContinuousClock.now
                try await fill(client, count: count)
                // Each bench image holds one person's photos: one identity each.
                try await client.query("INSERT INTO identities (id) SELECT id FROM images")
                try await client.query("INSERT INTO face_identities (face_id, identity_id) SELECT id, image_id FROM face_detections")
                try await client.query("INSERT INTO image_reports (image_id, report_id) SELECT id, 'bench' FROM images")
                let loaded = seconds(ContinuousClock.now - loadStart)

                var queryVectors: [[Float]] = []
                for try await text in try await client.query("SELECT v::text FROM bench_queries ORDER BY q").decode(String.self) {
                    queryVectors.append(text.dropFirst().dropLast().split(separator: ",").compactMap { Float($0) })
                }
                var exactMs = Samples()
                var truths: [[UUID: Double]] = []
                for query in queryVectors {
                    let start = ContinuousClock.now
                    truths.append(try await exactNearest(client, query, logger: logger))
                    exactMs.add(milliseconds(ContinuousClock.now - start))
                }
                let threshold = config.faces.searchMinSimilarity
                func judge(_ label: String, _ search: ([Float]) async throws -> [UUID]) async throws {
                    // One untimed pass warms the pages the searches read.
                    for query in queryVectors.prefix(10) { _ = try await search(query) }
                    var searchMs = Samples()
                    var recall = 0.0, matchesFound = 0, matchesTotal = 0
                    for (query, truth) in zip(queryVectors, truths) {
                        let start = ContinuousClock.now
                        let found = Set(try await search(query))
                        searchMs.add(milliseconds(ContinuousClock.now - start))
                        recall += Double(found.intersection(truth.keys).count) / Double(max(truth.count, 1))
                        // What a user sees: the exact neighbours at or above the match threshold.
                        let matches = truth.filter { $0.value >= threshold }.keys
                        matchesTotal += matches.count
                        matchesFound += matches.filter(found.contains).count
                    }
                    print("  \(label): top-10 p50 \(format(searchMs.median, 2)) ms, p95 \(format(searchMs.percentile(95), 2)) ms, recall@10 \(format(recall / Double(queryVectors.count), 3)) vs exact; \(matchesFound) of \(matchesTotal) exact matches ≥ \(threshold) found")
                }
                print("face search, \(count) \(distribution.rawValue) vectors (load \(format(loaded)) s), \(queryVectors.count) queries:")
                print("  exact scan (SQL, no index): top-10 p50 \(format(exactMs.median, 2)) ms, p95 \(format(exactMs.percentile(95), 2)) ms")

                let faces = FaceRepository(client: client, logger: logger)
                let index = FaceIndex(logger: logger)
                let pid = ProcessInfo.processInfo.processIdentifier
                let memoryBefore = residentMemoryParts(pid: pid).anonymous
                let indexStart = ContinuousClock.now
                try await index.refresh(client)
                let indexSeconds = seconds(ContinuousClock.now - indexStart)
                let indexKiB = residentMemoryParts(pid: pid).anonymous - memoryBefore
                print("  in-memory index: \(await index.count) faces loaded in \(format(indexSeconds)) s, anonymous RSS +\(indexKiB / 1024) MB (\(format(Double(indexKiB) * 1024 / Double(max(count, 1)), 0)) B/face)")
                try await judge("facepipe search (in-memory index, \(FaceRepository.candidates(10)) candidates ranked exactly in SQL)") {
                    try await faces.search($0, index: index, minSimilarity: -1, limit: 10).map(\.faceID)
                }
                var scanMs = Samples()
                for query in queryVectors {
                    let start = ContinuousClock.now
                    _ = await index.nearest(to: query, count: FaceRepository.candidates(10))
                    scanMs.add(milliseconds(ContinuousClock.now - start))
                }
                var refreshMs = Samples(), rankMs = Samples(), unpreparedMs = Samples()
                for (number, query) in queryVectors.enumerated() {
                    var start = ContinuousClock.now
                    try await index.refresh(client)
                    refreshMs.add(milliseconds(ContinuousClock.now - start))
                    let candidates = await index.nearest(to: query, count: FaceRepository.candidates(10)).map(\.faceID)
                    for prepared in Self.alternated(number) {
                        start = ContinuousClock.now
                        if prepared {
                            _ = try await faces.search(query, among: candidates, minSimilarity: -1, limit: 10)
                            rankMs.add(milliseconds(ContinuousClock.now - start))
                        } else {
                            try await unpreparedRanking(client, query, among: candidates, limit: 10, logger: logger)
                            unpreparedMs.add(milliseconds(ContinuousClock.now - start))
                        }
                    }
                }
                print("  its parts: refresh (nothing new) p50 \(format(refreshMs.median, 2)) ms, p95 \(format(refreshMs.percentile(95), 2)) ms; in-memory candidates (4-bit scan, int8 re-score) p50 \(format(scanMs.median, 2)) ms, p95 \(format(scanMs.percentile(95), 2)) ms; exact ranking and report filter in SQL p50 \(format(rankMs.median, 2)) ms, p95 \(format(rankMs.percentile(95), 2)) ms (the same unprepared, with the vector as text, as before: p50 \(format(unpreparedMs.median, 2)) ms, p95 \(format(unpreparedMs.percentile(95), 2)) ms)")
                // The whole search as it runs now (the refresh's round trip overlapping the scan) and
                // as before (refresh, then scan), alternated query by query.
                var overlappedMs = Samples(), sequentialMs = Samples()
                for (number, query) in queryVectors.enumerated() {
                    for overlapped in Self.alternated(number) {
                        let start = ContinuousClock.now
                        if overlapped {
                            _ = try await faces.search(query, index: index, minSimilarity: -1, limit: 10)
                            overlappedMs.add(milliseconds(ContinuousClock.now - start))
                        } else {
                            try await faces.refresh(index)
                            _ = try await faces.search(query, index: index, refreshed: true, minSimilarity: -1, limit: 10)
                            sequentialMs.add(milliseconds(ContinuousClock.now - start))
                        }
                    }
                }
                print("  whole search, refresh overlapping the scan (now): p50 \(format(overlappedMs.median, 2)) ms, p95 \(format(overlappedMs.percentile(95), 2)) ms; refresh then scan (before): p50 \(format(sequentialMs.median, 2)) ms, p95 \(format(sequentialMs.percentile(95), 2)) ms")
                try await linkingBenchmark(client, index: index, queries: Array(queryVectors.prefix(50)), matching: config.faces.matching,
                                           label: "without an HNSW index", logger: logger)
                guard hnswBaseline else { return }
                let definition = try Self.hnswDefinition(with: indexWith)
                let buildStart = ContinuousClock.now
                try await client.query("SET maintenance_work_mem = '2GB'")
                try await client.query(PostgresQuery(unsafeSQL: definition))
                print("  baseline, before migration 20: \(definition.components(separatedBy: "USING ").last ?? definition), built in \(format(seconds(ContinuousClock.now - buildStart))) s")
                for ef in efSearch {
                    try await judge("HNSW search (ef_search \(ef), iterative scan)") {
                        try await hnswSearch(client, $0, efSearch: ef, limit: 10, logger: logger)
                    }
                }
                try await linkingBenchmark(client, index: index, queries: Array(queryVectors.suffix(50)), matching: config.faces.matching,
                                           label: "with the HNSW index", logger: logger)
            }
        }
    }

    /// Which side of an A/B runs first for query `number`: they take turns, so that neither
    /// always runs on the warmer cache.
    static func alternated(_ number: Int) -> [Bool] { number.isMultiple(of: 2) ? [true, false] : [false, true] }

    /// The HNSW index migration 3 made and migration 20 dropped (or the same with other options,
    /// e.g. "m = 32, ef_construction = 256").
    static func hnswDefinition(with options: String?) throws -> String {
        let with = options ?? "m = 24, ef_construction = 200"
        guard with.allSatisfy({ $0.isLetter || $0.isNumber || " _=,".contains($0) }) else { throw ValidationError("--index-with \(with)") }
        return "CREATE INDEX face_detections_embedding ON face_detections USING hnsw (embedding vector_cosine_ops) WITH (\(with))"
    }

    /// The exact ranking as `FaceRepository.search(_:among:…)` ran it before it was prepared:
    /// planned on every call, the vector as text. The baseline for its row.
    func unpreparedRanking(_ client: DatabaseClient, _ vector: [Float], among candidates: [UUID], limit: Int, logger: Logger) async throws {
        let literal = FaceRepository.literal(vector)
        try await client.query(
            """
            SELECT id, image_id, report_id, similarity, thumb, blurred, perpetrator_name, identity_id FROM (
                SELECT f.id, f.image_id, (SELECT identity_id FROM face_identities fi WHERE fi.face_id = f.id) AS identity_id, r.id AS report_id, 1 - (f.embedding <=> \(literal)::vector) AS similarity,
                       i.thumbnails->>'medium' AS thumb, i.thumbnails->>'blurred' AS blurred, r.perpetrator_name
                FROM face_detections f
                JOIN images i ON i.id = f.image_id
                JOIN LATERAL (
                    SELECT r.id, r.perpetrator_name FROM image_reports ir JOIN reports r ON r.id = ir.report_id
                    WHERE ir.image_id = f.image_id AND r.status = 'approved'
                    ORDER BY ir.added_at LIMIT 1
                ) r ON true
                WHERE f.id = ANY(\(candidates)::uuid[]) AND f.embedding IS NOT NULL
                ORDER BY f.embedding <=> \(literal)::vector
                LIMIT \(limit)
            ) nearest
            WHERE similarity >= -1
            ORDER BY similarity DESC
            """, logger: logger)
    }

    /// The face search query before migration 20: the nearest faces by the HNSW graph (iterative
    /// scan until enough rows pass the report filter), as `FaceRepository.search` ran it.
    func hnswSearch(_ client: DatabaseClient, _ vector: [Float], efSearch: Int, limit: Int, logger: Logger) async throws -> [UUID] {
        let literal = FaceRepository.literal(vector)
        return try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SET LOCAL hnsw.iterative_scan = relaxed_order", logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL hnsw.ef_search = \(efSearch)"), logger: logger)
            let rows = try await connection.query(
                """
                SELECT f.id, r.id FROM face_detections f
                JOIN images i ON i.id = f.image_id
                JOIN LATERAL (
                    SELECT r.id FROM image_reports ir JOIN reports r ON r.id = ir.report_id
                    WHERE ir.image_id = f.image_id AND r.status = 'approved'
                    ORDER BY ir.added_at LIMIT 1
                ) r ON true
                WHERE f.embedding IS NOT NULL
                ORDER BY f.embedding <=> \(literal)::vector
                LIMIT \(limit)
                """, logger: logger)
            var found: [UUID] = []
            for try await (face, _) in rows.decode((UUID, String).self) { found.append(face) }
            return found
        }
    }

    /// What report links and identities add to an embed_faces job, per new image of one face:
    /// the embedding saved alone (the baseline) against the same plus `recordFaceMatches` and
    /// `IdentityRepository.assign`, in the same database, alternating.
    func linkingBenchmark(_ client: DatabaseClient, index: FaceIndex, queries: [[Float]], matching: FaceMatchThresholds, label: String,
                          logger: Logger) async throws {
        var saveMs = Samples(), linkMs = Samples()
        let links = ReportLinkRepository(client: client, logger: logger), identities = IdentityRepository(client: client, logger: logger)
        var joined = 0
        for (number, query) in queries.enumerated() {
            let image = try await insertBareImage(client)
            let report = "bench-new-\(label.count)-\(number)"
            try await client.query("INSERT INTO reports (id) VALUES (\(report)) ON CONFLICT DO NOTHING")
            try await client.query("INSERT INTO image_reports (image_id, report_id) VALUES (\(image), \(report))")
            try await client.query("INSERT INTO face_detections (image_id, face_index, bbox, confidence) VALUES (\(image), 0, '{}', 1)")
            var start = ContinuousClock.now
            try await client.withTransaction(logger: logger) {
                try await FaceRepository(client: client, logger: logger).saveEmbeddings([(0, query)], imageID: image, on: $0)
            }
            saveMs.add(milliseconds(ContinuousClock.now - start))
            start = ContinuousClock.now
            let assigned = try await client.withTransaction(logger: logger) { connection in
                _ = try await links.recordFaceMatches(image, minSimilarity: matching.possible, perFace: 20, index: index, on: connection)
                return try await identities.assign(image, thresholds: matching, index: index, on: connection)
            }
            linkMs.add(milliseconds(ContinuousClock.now - start))
            joined += assigned.filter { !$0.created }.count
        }
        print("  embed_faces database work per new one-face image, \(label): saving the embedding p50 \(format(saveMs.median, 2)) ms, p95 \(format(saveMs.percentile(95), 2)) ms; report links + identity p50 \(format(linkMs.median, 2)) ms, p95 \(format(linkMs.percentile(95), 2)) ms (\(joined) of \(queries.count) joined an existing identity)")
    }

    /// Loads `count` synthetic faces into one approved report.
    func fill(_ client: DatabaseClient, count: Int) async throws {
        try await client.query("INSERT INTO reports (id, status) VALUES ('bench', 'approved')")
        let perImage = Self.photosPerIdentity
        let identities = (count + perImage - 1) / perImage
        // One image per identity keeps the join realistic (face → image → report) and cheap to load.
        try await client.query(PostgresQuery(unsafeSQL: """
            INSERT INTO images (id, sha256, mime, bytes, original_key, status, report_id)
            SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(g), 12, '0'))::uuid, md5(g::text) || md5(g::text),
                   'image/jpeg', 0, 'bench', 'done', 'bench'
            FROM generate_series(1, \(identities)) AS g
            """))
        // Sub-selects mention the outer row so PostgreSQL draws a fresh vector per row.
        // A vector of 128 N(0, σ²) draws has squared length ≈ 128σ²: photos of one person
        // ≈ 1 / (1 + 128 · 0.018²) = 0.96 alike, two identities ≈ 1 / (1 + 128 · 0.0365²) = 0.85.
        let spread = 0.0365, photoNoise = 0.018
        switch distribution {
        case .faces:
            try await client.query(PostgresQuery(unsafeSQL: """
                CREATE TABLE bench_identities AS
                WITH centre AS (SELECT l2_normalize(array_agg(random_normal())::real[]::vector) AS v FROM generate_series(1, 128))
                SELECT g, l2_normalize((SELECT array_agg(random_normal(0, \(spread)))::real[] FROM generate_series(1, 128) WHERE g > 0)::vector
                                       + (SELECT v FROM centre)) AS v
                FROM generate_series(1, \(identities)) AS g
                """))
            try await client.query(PostgresQuery(unsafeSQL: """
                INSERT INTO face_detections (image_id, face_index, bbox, confidence, embedding)
                SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(i.g), 12, '0'))::uuid, k, '{}', 1,
                       l2_normalize(i.v + (SELECT array_agg(random_normal(0, \(photoNoise)))::real[] FROM generate_series(1, 128)
                                           WHERE k >= 0 AND i.g > 0)::vector)
                FROM bench_identities i, generate_series(0, \(perImage - 1)) AS k
                WHERE (i.g - 1) * \(perImage) + k < \(count)
                """))
            try await client.query(PostgresQuery(unsafeSQL: """
                CREATE TABLE bench_queries AS
                SELECT q, l2_normalize(i.v + (SELECT array_agg(random_normal(0, \(photoNoise)))::real[] FROM generate_series(1, 128)
                                              WHERE q > 0)::vector) AS v
                FROM generate_series(1, \(queries)) AS q
                JOIN bench_identities i ON i.g = 1 + (q * 7919) % \(identities)
                """))
        case .uniform:
            try await client.query(PostgresQuery(unsafeSQL: """
                INSERT INTO face_detections (image_id, face_index, bbox, confidence, embedding)
                SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(1 + g / \(perImage)), 12, '0'))::uuid, g % \(perImage), '{}', 1,
                       (SELECT array_agg(random()::real - 0.5) FROM generate_series(1, 128) WHERE g >= 0)::vector
                FROM generate_series(0, \(count - 1)) AS g
                """))
            try await client.query(PostgresQuery(unsafeSQL: """
                CREATE TABLE bench_queries AS
                SELECT q, (SELECT array_agg(random()::real - 0.5) FROM generate_series(1, 128) WHERE q > 0)::vector AS v
                FROM generate_series(1, \(queries)) AS q
                """))
        }
        try await client.query("ANALYZE")
    }

    /// The true top 10 by cosine distance, with their similarity (index scans off: a sequential
    /// scan and a sort).
    func exactNearest(_ client: DatabaseClient, _ query: [Float], logger: Logger) async throws -> [UUID: Double] {
        let literal = FaceRepository.literal(query)
        return try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SET LOCAL enable_indexscan = off", logger: logger)
            var result: [UUID: Double] = [:]
            let rows = try await connection.query(
                "SELECT id, 1 - (embedding <=> \(literal)::vector) FROM face_detections ORDER BY embedding <=> \(literal)::vector LIMIT 10",
                logger: logger)
            for try await (id, similarity) in rows.decode((UUID, Double).self) { result[id] = similarity }
            return result
        }
    }
}
