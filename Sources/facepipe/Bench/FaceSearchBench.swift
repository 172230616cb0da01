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

    /// Face search through `FaceRepository.search` (the query `POST /search/face` runs: HNSW
    /// with iterative scan, joined to approved reports) against exact search on the same rows.
    func searchBenchmark(count: Int, config: AppConfig, logger: Logger) async throws {
        try await withScratchDatabase("facepipe_bench_faces", config: config, logger: logger) { url in
            try await Database.withClient(url: url, poolSize: 4, logger: logger) { client in
                _ = try await Migrator().migrate(client, logger: logger)
                let loadStart = ContinuousClock.now
                var index = try await fill(client, count: count)
                if let options = indexWith {
                    // Another graph than the migration's, to measure it (e.g. "m = 32, ef_construction = 256").
                    guard options.allSatisfy({ $0.isLetter || $0.isNumber || " _=,".contains($0) }),
                          let with = index.range(of: "WITH (") else { throw ValidationError("--index-with \(options)") }
                    index = String(index[..<with.lowerBound]) + "WITH (\(options))"
                }
                // Each bench image holds one person's photos: one identity each.
                try await client.query("INSERT INTO identities (id) SELECT id FROM images")
                try await client.query("INSERT INTO face_identities (face_id, identity_id) SELECT id, image_id FROM face_detections")
                try await client.query("INSERT INTO image_reports (image_id, report_id) SELECT id, 'bench' FROM images")
                let loaded = seconds(ContinuousClock.now - loadStart)
                let buildStart = ContinuousClock.now
                try await client.query("SET maintenance_work_mem = '2GB'")
                try await client.query(PostgresQuery(unsafeSQL: index))
                let built = seconds(ContinuousClock.now - buildStart)

                var queryVectors: [[Float]] = []
                for try await text in try await client.query("SELECT v::text FROM bench_queries ORDER BY q").decode(String.self) {
                    queryVectors.append(text.dropFirst().dropLast().split(separator: ",").compactMap { Float($0) })
                }
                let faces = FaceRepository(client: client, logger: logger)
                var exactMs = Samples()
                var truths: [[UUID: Double]] = []
                for query in queryVectors {
                    let start = ContinuousClock.now
                    truths.append(try await exactNearest(client, query, logger: logger))
                    exactMs.add(seconds(ContinuousClock.now - start) * 1000)
                }
                let threshold = config.faces.searchMinSimilarity
                print("face search, \(count) \(distribution.rawValue) vectors, \(index.components(separatedBy: "USING ").last ?? index) (load \(format(loaded)) s, HNSW build \(format(built)) s):")
                print("  exact scan (baseline): top-10 p50 \(format(exactMs.median, 2)) ms, p95 \(format(exactMs.percentile(95), 2)) ms")
                for ef in efSearch {
                    // One untimed pass warms the index pages this ef_search walks.
                    for query in queryVectors.prefix(10) { _ = try await faces.search(query, minSimilarity: -1, limit: 10, efSearch: ef) }
                    var searchMs = Samples()
                    var recall = 0.0, matchesFound = 0, matchesTotal = 0
                    for (query, truth) in zip(queryVectors, truths) {
                        let start = ContinuousClock.now
                        let found = Set(try await faces.search(query, minSimilarity: -1, limit: 10, efSearch: ef).map(\.faceID))
                        searchMs.add(seconds(ContinuousClock.now - start) * 1000)
                        recall += Double(found.intersection(truth.keys).count) / Double(max(truth.count, 1))
                        // What a user sees: the exact neighbours at or above the match threshold.
                        let matches = truth.filter { $0.value >= threshold }.keys
                        matchesTotal += matches.count
                        matchesFound += matches.filter(found.contains).count
                    }
                    print("  facepipe search (HNSW, ef_search \(ef)): top-10 p50 \(format(searchMs.median, 2)) ms, p95 \(format(searchMs.percentile(95), 2)) ms, recall@10 \(format(recall / Double(queryVectors.count), 3)) vs exact; \(matchesFound) of \(matchesTotal) exact matches ≥ \(threshold) found")
                }
                try await linkingBenchmark(client, queries: Array(queryVectors.prefix(50)), matching: config.faces.matching, logger: logger)
            }
        }
    }

    /// What report links and identities add to an embed_faces job, per new image of one face:
    /// the embedding saved alone (the baseline) against the same plus `recordFaceMatches` and
    /// `IdentityRepository.assign`, in the same database, alternating.
    func linkingBenchmark(_ client: DatabaseClient, queries: [[Float]], matching: FaceMatchThresholds, logger: Logger) async throws {
        var saveMs = Samples(), linkMs = Samples()
        let links = ReportLinkRepository(client: client, logger: logger), identities = IdentityRepository(client: client, logger: logger)
        var joined = 0
        for (number, query) in queries.enumerated() {
            let image = try await insertBareImage(client)
            try await client.query("INSERT INTO reports (id) VALUES (\("bench-new-\(number)")) ON CONFLICT DO NOTHING")
            try await client.query("INSERT INTO image_reports (image_id, report_id) VALUES (\(image), \("bench-new-\(number)"))")
            try await client.query("INSERT INTO face_detections (image_id, face_index, bbox, confidence) VALUES (\(image), 0, '{}', 1)")
            var start = ContinuousClock.now
            try await client.withTransaction(logger: logger) {
                try await FaceRepository(client: client, logger: logger).saveEmbeddings([(0, query)], imageID: image, on: $0)
            }
            saveMs.add(seconds(ContinuousClock.now - start) * 1000)
            start = ContinuousClock.now
            let assigned = try await client.withTransaction(logger: logger) { connection in
                _ = try await links.recordFaceMatches(image, minSimilarity: matching.possible, perFace: 20, on: connection)
                return try await identities.assign(image, thresholds: matching, on: connection)
            }
            linkMs.add(seconds(ContinuousClock.now - start) * 1000)
            joined += assigned.filter { !$0.created }.count
        }
        print("  embed_faces database work per new one-face image: saving the embedding p50 \(format(saveMs.median, 2)) ms, p95 \(format(saveMs.percentile(95), 2)) ms; report links + identity p50 \(format(linkMs.median, 2)) ms, p95 \(format(linkMs.percentile(95), 2)) ms (\(joined) of \(queries.count) joined an existing identity)")
    }

    /// Loads `count` synthetic faces into one approved report and returns the definition of
    /// the HNSW index the migrations made (dropped for the load: building once is faster).
    func fill(_ client: DatabaseClient, count: Int) async throws -> String {
        var definition = ""
        for try await text in try await client.query(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'face_detections_embedding'").decode(String.self)
        {
            definition = text
        }
        try await client.query("DROP INDEX face_detections_embedding")
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
        return definition
    }

    /// The true top 10 by cosine distance, with their similarity (index scans off: a sequential
    /// scan and a sort).
    func exactNearest(_ client: DatabaseClient, _ query: [Float], logger: Logger) async throws -> [UUID: Double] {
        let literal = "[" + query.map { String($0) }.joined(separator: ",") + "]"
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
