@testable import EmbeddedPostgres
import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Testing
import TestSupport

@Suite struct MigrationTests {
    @Test func migrationsAreIdempotentAndSerialisedAcrossProcesses() async throws {
        try await TestDatabase.withScratchDatabase(poolSize: 8) { url, _ in
            // The scratch database is already migrated: concurrent re-runs apply nothing.
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await Database.withClient(url: url, poolSize: 2, waitLimit: patience, logger: TestDatabase.logger) {
                            try await Migrator().migrate($0, logger: TestDatabase.logger)
                        }
                    }
                }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0.isEmpty })
        }
    }

    @Test func freshDatabaseGetsTheWholeSchemaOnce() async throws {
        let server = try TestDatabase.serverURL()
        let name = "facepipe_test_fresh_\(UInt32.random(in: 0...UInt32.max))"
        let logger = TestDatabase.logger
        try await Database.withClient(url: server, poolSize: 2, waitLimit: patience, logger: logger) {
            try await Database.createDatabaseIfMissing(name, using: $0, logger: logger)
        }
        defer {
            Task {
                try? await Database.withClient(url: server, poolSize: 2, waitLimit: patience, logger: logger) {
                    try await Database.dropDatabase(name, using: $0, logger: logger)
                }
            }
        }
        try await Database.withClient(url: server.with(database: name), poolSize: 4, waitLimit: patience, logger: logger) { client in
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<3 { group.addTask { try await Migrator().migrate(client, logger: logger) } }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(applied == Migrations.all.map(\.version))
            var tables = Set<String>()
            for try await table in try await client.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").decode(String.self)
            {
                tables.insert(table)
            }
            #expect(tables.isSuperset(of: ["reports", "images", "jobs", "events", "face_detections", "image_duplicates", "schema_migrations"]))
            // pgvector is there; the HNSW graph went with migration 20 (faces are searched in memory).
            #expect(try await client.query("SELECT ('[1,0]'::vector <=> '[0,1]'::vector)::float8").decode(Double.self).all() == [1])
            #expect(try await client.query("SELECT count(*)::int FROM pg_indexes WHERE indexdef LIKE '%USING hnsw%'").decode(Int.self).all() == [0])
            // Writing a vector stamps the row with its transaction for the in-memory indexes; clearing it clears the stamp.
            let image = UUID()
            try await client.query(
                "INSERT INTO images (id, sha256, mime, bytes, original_key, status) VALUES (\(image), \(String(repeating: "ab", count: 32)), 'image/jpeg', 0, 'k', 'done')")
            let vector = "[" + Array(repeating: "0.1", count: 128).joined(separator: ",") + "]"
            try await client.query("INSERT INTO face_detections (image_id, face_index, bbox, confidence) VALUES (\(image), 0, '{}', 1)")
            #expect(try await client.query("SELECT embedded_xid FROM face_detections WHERE image_id = \(image)").decode(Int64?.self).all() == [nil])
            try await client.query("UPDATE face_detections SET embedding = \(vector)::vector WHERE image_id = \(image)")
            let first = try await client.query("SELECT embedded_xid FROM face_detections WHERE image_id = \(image)").decode(Int64?.self).all()
            #expect(first.count == 1 && first[0] != nil, "stamped when written: \(first)")
            try await client.query("UPDATE face_detections SET embedding = \(vector)::vector WHERE image_id = \(image)")
            let second = try await client.query("SELECT embedded_xid FROM face_detections WHERE image_id = \(image)").decode(Int64?.self).all()
            #expect((second.first ?? nil).map { $0 > (first.first ?? nil)! } == true, "written again by a later transaction")
            try await client.query("UPDATE face_detections SET embedding = NULL WHERE image_id = \(image)")
            #expect(try await client.query("SELECT embedded_xid FROM face_detections WHERE image_id = \(image)").decode(Int64?.self).all() == [nil])
        }
    }
}

extension MigrationTests {
    /// Migration 16 on a deployment with pairs from the old rule (one row per hash type within
    /// 10 bits): undecided pairs go, a reviewed image
    /// pair stays as one row (confirmed over different), with every hash's distance from the
    /// stored hashes, and the relink job is queued.
    @Test func duplicatePairsMigrationKeepsOnlyReviewedPairsAndQueuesTheRelink() async throws {
        let server = try TestDatabase.serverURL()
        let name = "facepipe_test_m16_\(UInt32.random(in: 0...UInt32.max))"
        let logger = TestDatabase.logger
        try await Database.withClient(url: server, poolSize: 2, waitLimit: patience, logger: logger) {
            try await Database.createDatabaseIfMissing(name, using: $0, logger: logger)
        }
        do {
            try await Database.withClient(url: server.with(database: name), poolSize: 2, waitLimit: patience, logger: logger) { client in
                try await Migrator(migrations: Migrations.all.filter { $0.version < 16 }).migrate(client, logger: logger)
                var images: [UUID] = []
                for (number, (phash, pdq)) in [("0000000000000000", String(repeating: "0", count: 64)),
                                                 ("000000000000000f", String(repeating: "0", count: 63) + "7"),
                                                 ("ffffffffffffffff", String(repeating: "f", count: 64))].enumerated() {
                    let id = UUID()
                    images.append(id)
                    try await client.query(
                        """
                        INSERT INTO images (id, sha256, mime, bytes, original_key, status, ahash, dhash, phash, pdq, pdq_quality, processed_at)
                        VALUES (\(id), \(String(repeating: "\(number)", count: 64)), 'image/jpeg', 1, \("originals/\(id)"), 'done',
                                '0000000000000000', '0000000000000000', \(phash), \(pdq), 100, now())
                        """, logger: logger)
                    try await client.query("INSERT INTO reports (id) VALUES (\("r\(number)")) ON CONFLICT DO NOTHING", logger: logger)
                }
                let sorted = images.sorted { $0.uuidString.lowercased() < $1.uuidString.lowercased() }
                let (a, b, c) = (sorted[0], sorted[1], sorted[2])
                // a–b: found by three hashes, one reviewed "confirmed", one "different"; a–c and
                // b–c: aHash alone, never reviewed.
                for (first, second, type, status) in [(a, b, "ahash", "pending"), (a, b, "phash", "confirmed"), (a, b, "pdq", "different"),
                                                      (a, c, "ahash", "pending"), (b, c, "ahash", "pending")] {
                    try await client.query(
                        """
                        INSERT INTO image_duplicates (image1_id, image2_id, hash_type, hamming_distance, status, reviewed_by, reviewed_at)
                        VALUES (\(first), \(second), \(type), 3, \(status), \(status == "pending" ? nil : "ana"),
                                \(status == "pending" ? nil : Date()))
                        """, logger: logger)
                }
                try await client.query("INSERT INTO report_links (report1, report2, kind, strength) VALUES ('r0', 'r1', 'near_duplicate', 0.9)",
                                       logger: logger)

                #expect(try await Migrator().migrate(client, logger: logger).contains(16))
                var rows: [(UUID, UUID, Int, Int, String, String?)] = []
                for try await row in try await client.query(
                    "SELECT image1_id, image2_id, phash_distance, pdq_distance, status, reviewed_by FROM image_duplicates", logger: logger
                ).decode((UUID, UUID, Int, Int, String, String?).self) {
                    rows.append(row)
                }
                #expect(rows.count == 1, "\(rows)")
                let pair = try #require(rows.first)
                #expect(Set([pair.0, pair.1]) == Set([a, b]))
                #expect(pair.4 == "confirmed" && pair.5 == "ana")
                // Distances come from the stored hashes of the two images.
                let expected = [images[0], images[1]].contains(a) && [images[0], images[1]].contains(b)
                    ? (4, 3) : Set([a, b]) == Set([images[0], images[2]]) ? (64, 256) : (60, 253)
                #expect((pair.2, pair.3) == expected, "\(pair)")
                var count = 0
                for try await n in try await client.query("SELECT count(*) FROM report_links WHERE kind = 'near_duplicate'", logger: logger)
                    .decode(Int.self) { count = n }
                #expect(count == 1, "announced connections stay; the relink forgets those no pair supports")
                var jobs: [String] = []
                for try await kind in try await client.query("SELECT kind FROM jobs WHERE status = 'queued'", logger: logger).decode(String.self) {
                    jobs.append(kind)
                }
                #expect(jobs == ["relink_duplicates"])
            }
        } catch {
            try? await Database.withClient(url: server, poolSize: 2, waitLimit: patience, logger: logger) { try await Database.dropDatabase(name, using: $0, logger: logger) }
            throw error
        }
        try await Database.withClient(url: server, poolSize: 2, waitLimit: patience, logger: logger) { try await Database.dropDatabase(name, using: $0, logger: logger) }
    }
}

/// The embedded cluster: initdb on first start, a real server, a clean stop, and a clear
/// error when the binaries are missing. Uses the binaries `make setup` unpacked.
@Suite struct EmbeddedPostgresTests {
    @Test func startsServesAndStops() async throws {
        let cluster = ScratchCluster(prefix: "test-embedded")
        defer { cluster.remove() }
        let config = cluster.config
        let server = try await EmbeddedPostgres.start(config, logger: TestDatabase.logger)
        #expect(server.isOwner)
        do {
            let version = try await Database.withClient(url: try server.url().with(database: "postgres"), poolSize: 2, waitLimit: patience, logger: TestDatabase.logger) { client in
                var version = ""
                for try await text in try await client.query("SHOW server_version").decode(String.self) { version = text }
                try await client.query("CREATE EXTENSION IF NOT EXISTS vector")
                return version
            }
            #expect(version.hasPrefix("18."))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        #expect(!FileManager.default.fileExists(atPath: cluster.data.appendingPathComponent("postmaster.pid").path))
    }

    /// Issue 22 item 4: the cluster trusted every local connection, so any account on the
    /// machine was its superuser. Now a connection without the password is refused, over TCP
    /// and over the socket, and the password file is the owner's alone: another local account
    /// (`nobody`) cannot read it.
    @Test func everyConnectionNeedsThePasswordOnlyItsOwnerCanRead() async throws {
        let cluster = ScratchCluster(prefix: "test-auth")
        defer { cluster.remove() }
        let server = try await EmbeddedPostgres.start(cluster.config, logger: TestDatabase.logger)
        do {
            let passwordFile = cluster.data.path + ".password"
            #expect(try ClusterFolderTests.mode(passwordFile) == 0o600)
            var guessed = cluster.config.url.with(database: "postgres")
            for password in [nil, "postgres", ""] as [String?] {
                guessed.password = password
                await #expect(throws: (any Error).self, "connected with password \(password ?? "(none)")") {
                    let connection = try await Database.connect(url: guessed, timeout: .seconds(30), logger: TestDatabase.logger)
                    try? await connection.close()
                }
            }
            let hba = try String(contentsOf: cluster.data.appendingPathComponent("pg_hba.conf"), encoding: .utf8)
            #expect(!ClusterPassword.trusts(hba: hba), "\(hba)")
            let connection = try await Database.connect(url: try server.url().with(database: "postgres"), timeout: .seconds(30),
                                                        logger: TestDatabase.logger)
            try await connection.close()
            if geteuid() == 0 {
                let read = try await RunAs(user: "nobody", uid: ClusterFolderTests.nobody, gid: ClusterFolderTests.nobody)
                    .run(URL(fileURLWithPath: "/bin/cat"), arguments: [passwordFile])
                #expect(read.status != 0, "another account read the password: \(read.text)")
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// A cluster initialised by an older facepipe with `--auth=trust` is moved to passwords on
    /// its next start, before it serves anyone.
    @Test func aTrustClusterFromAnOlderVersionGetsAPassword() async throws {
        let cluster = ScratchCluster(prefix: "test-trust")
        defer { cluster.remove() }
        let config = cluster.config
        // What the old code did: initdb with trust (as the account PostgreSQL runs as).
        let runAs = try RunAs.current(user: config.systemUser)
        let layout = try Layout(config)
        try ClusterFolder.prepare(data: cluster.data, runAs: runAs, workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        let made = try await runAs.run(layout.tool("initdb"), arguments: ["-D", cluster.data.path, "-U", "postgres", "--auth=trust",
                                                                           "--encoding=UTF8", "--locale=C.UTF-8"])
        try #require(made.status == 0, "\(made.text)")
        let server = try await EmbeddedPostgres.start(config, logger: TestDatabase.logger)
        do {
            await #expect(throws: (any Error).self, "the old cluster still trusts a connection without a password") {
                let connection = try await Database.connect(url: config.url.with(database: "postgres"), timeout: .seconds(30),
                                                            logger: TestDatabase.logger)
                try? await connection.close()
            }
            let connection = try await Database.connect(url: try server.url().with(database: "postgres"), timeout: .seconds(30),
                                                        logger: TestDatabase.logger)
            try await connection.close()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func missingBinariesGiveAClearError() async throws {
        let config = EmbeddedPostgresConfig(binDirectory: "/nonexistent/pg/bin", dataDirectory: "/tmp/never-created")
        await #expect {
            _ = try await EmbeddedPostgres.start(config, logger: TestDatabase.logger)
        } throws: { error in
            "\(error)".contains("embedded PostgreSQL not found at /nonexistent/pg/bin/postgres") && "\(error)".contains("DATABASE_URL")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-created"))
    }
}

/// The cluster's folder must be reachable by the account PostgreSQL runs as (issue: `make run`
/// as root on a fresh clone died in initdb with "Permission denied" on `.data/postgres`).
@Suite struct ClusterFolderTests {
    static let nobody: uid_t = 65534

    /// Folders facepipe creates let others pass through but not list; the data folder is private.
    @Test func createdParentsArePassThroughAndTheDataFolderIsPrivate() throws {
        let scratch = try Self.scratch(mode: 0o755)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let data = URL(fileURLWithPath: scratch + "/a/.data/postgres")
        try ClusterFolder.prepare(data: data, runAs: .unprivileged, workingDirectory: URL(fileURLWithPath: scratch))
        #expect(try Self.mode(scratch + "/a") == 0o711)
        #expect(try Self.mode(scratch + "/a/.data") == 0o711)
        #expect(try Self.mode(data.path) == 0o700)
        #expect(ClusterFolder.firstBlockedFolder(on: data.deletingLastPathComponent(), uid: Self.nobody, gid: Self.nobody) == nil)
    }

    /// A folder above that shuts others out is named, with its mode, and never changed.
    @Test func aFolderOthersCannotEnterIsNamed() throws {
        let scratch = try Self.scratch(mode: 0o700)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let blocked = ClusterFolder.firstBlockedFolder(on: URL(fileURLWithPath: scratch + "/clone/.data"), uid: Self.nobody, gid: Self.nobody)
        #expect(blocked?.path == scratch)
        #expect(blocked?.mode == "700")
        #expect(try Self.mode(scratch) == 0o700)
    }

    /// A `.data` an older facepipe made as 0700 inside the working folder is widened to pass-through.
    @Test func ownFoldersInsideTheWorkingDirectoryAreRepaired() throws {
        let scratch = try Self.scratch(mode: 0o755)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: scratch + "/.data", withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        ClusterFolder.repairOwnFolders(above: URL(fileURLWithPath: scratch + "/.data/postgres"),
                                       inside: URL(fileURLWithPath: scratch))
        #expect(try Self.mode(scratch + "/.data") == 0o711)
        #expect(try Self.mode(scratch) == 0o755)
    }

    /// As root (CI), the whole start fails with the folder and what to do, before initdb runs.
    @Test(.enabled(if: geteuid() == 0, "PostgreSQL runs as another account only when facepipe runs as root"))
    func startingUnderAClosedFolderAsRootSaysWhatToDo() async throws {
        let scratch = try Self.scratch(mode: 0o700)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let config = EmbeddedPostgresConfig(binDirectory: ScratchCluster.binDirectory, dataDirectory: scratch + "/.data/postgres",
                                            port: ScratchCluster.freePort())
        await #expect {
            _ = try await EmbeddedPostgres.start(config, logger: TestDatabase.logger)
        } throws: { error in
            let text = "\(error)"
            return text.contains("cannot enter \(scratch) (mode 700") && text.contains("EMBEDDED_PG_DIR")
        }
        #expect(!FileManager.default.fileExists(atPath: scratch + "/.data/postgres/PG_VERSION"))
    }

    static func scratch(mode: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-folder-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: mode])
        return path
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }
}
