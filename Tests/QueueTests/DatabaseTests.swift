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
                        try await Database.withClient(url: url, poolSize: 2, logger: TestDatabase.logger) {
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
        try await Database.withClient(url: server, poolSize: 2, logger: logger) {
            try await Database.createDatabaseIfMissing(name, using: $0, logger: logger)
        }
        defer {
            Task {
                try? await Database.withClient(url: server, poolSize: 2, logger: logger) {
                    try await Database.dropDatabase(name, using: $0, logger: logger)
                }
            }
        }
        try await Database.withClient(url: server.with(database: name), poolSize: 4, logger: logger) { client in
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
            // pgvector is there and the HNSW cosine index answers nearest-neighbour queries.
            var indexes: [String] = []
            for try await definition in try await client.query(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'face_detections_embedding'").decode(String.self)
            {
                indexes.append(definition)
            }
            #expect(indexes.first?.contains("hnsw (embedding vector_cosine_ops)") == true)
            // The denser graph of migration 3 (recall at 1M faces) replaced the default one.
            #expect(indexes.first?.contains("m='24'") == true, "\(indexes)")
        }
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
            let version = try await Database.withClient(url: try server.url().with(database: "postgres"), poolSize: 2, logger: TestDatabase.logger) { client in
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
                                            port: Int.random(in: 55_000...59_000))
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
