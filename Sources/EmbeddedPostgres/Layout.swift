import FacepipeCore
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The cluster's files: binaries, data folder, log. Paths are made absolute at start.
struct Layout {
    let bin: URL
    let data: URL
    let log: URL

    init(_ config: EmbeddedPostgresConfig) throws {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        bin = URL(fileURLWithPath: config.binDirectory, isDirectory: true, relativeTo: cwd).standardizedFileURL
        data = URL(fileURLWithPath: config.dataDirectory, isDirectory: true, relativeTo: cwd).standardizedFileURL
        log = data.deletingLastPathComponent().appendingPathComponent(data.lastPathComponent + ".log")
    }

    func tool(_ name: String) -> URL { bin.appendingPathComponent(name) }

    func checkBinaries(runAs: RunAs) throws {
        for name in ["postgres", "initdb", "pg_isready"] where !FileManager.default.isExecutableFile(atPath: tool(name).path) {
            throw EmbeddedPostgresError.binariesMissing(tool(name).path)
        }
        try ClusterFolder.checkReachable(tool("postgres").resolvingSymlinksInPath().deletingLastPathComponent(), runAs: runAs,
                                         what: "the PostgreSQL binaries in \(bin.path)")
    }

    var password: ClusterPassword { ClusterPassword(data: data) }

    /// Runs `initdb` once: password authentication (`ClusterPassword`), reachable only on
    /// loopback and a private socket.
    func initialiseIfNeeded(runAs: RunAs, logger: Logger) async throws {
        guard !FileManager.default.fileExists(atPath: data.appendingPathComponent("PG_VERSION").path) else { return }
        logger.info("initialising embedded PostgreSQL cluster", metadata: ["data": "\(data.path)"])
        if FileManager.default.fileExists(atPath: data.path) {
            // A half-made cluster from an interrupted initdb: start again.
            try FileManager.default.removeItem(at: data)
        }
        try ClusterFolder.prepare(data: data, runAs: runAs,
                                  workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        let output = try await password.withPasswordFile(for: runAs, in: data.deletingLastPathComponent()) { pwfile in
            try await runAs.run(tool("initdb"), arguments: [
                "-D", data.path, "-U", "postgres", "--auth=scram-sha-256", "--pwfile=\(pwfile)", "--encoding=UTF8",
                "--locale=C.UTF-8",
            ])
        }
        guard output.status == 0 else { throw EmbeddedPostgresError.initdbFailed(output.text) }
        try writeHBA(runAs: runAs)
    }

    var hbaFile: URL { data.appendingPathComponent("pg_hba.conf") }

    func writeHBA(runAs: RunAs) throws {
        try ClusterPassword.hba.write(to: hbaFile, atomically: false, encoding: .utf8)
        try runAs.giveOwnership(of: hbaFile.path)
    }

    /// A cluster an older facepipe initialised with `--auth=trust` gets the superuser's password
    /// set (PostgreSQL in single-user mode, the server stopped; the password on standard input,
    /// never in an argument list) and password-only pg_hba.conf, before it serves anyone.
    func requirePasswords(runAs: RunAs, logger: Logger) async throws {
        // Unreadable is an error, not "fine": failing open would keep a trusting cluster.
        guard ClusterPassword.trusts(hba: try String(contentsOf: hbaFile, encoding: .utf8)) else { return }
        logger.notice("the embedded PostgreSQL trusted local connections; setting a password and requiring it",
                      metadata: ["password_file": "\(password.file.path)"])
        let secret = try password.read()
        let process = runAs.process(tool("postgres"), arguments: ["--single", "-D", data.path, "-c", "password_encryption=scram-sha-256",
                                                                  "postgres"])
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        let (exits, continuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            continuation.yield($0.terminationStatus)
            continuation.finish()
        }
        try process.run()
        // Hex only, so nothing in it needs quoting.
        input.fileHandleForWriting.write(Data("ALTER ROLE postgres PASSWORD '\(secret)';\n".utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        var status: Int32 = -1
        for await code in exits { status = code }
        guard status == 0, !text.contains("ERROR") else { throw EmbeddedPostgresError.initdbFailed("setting the password: \(text)") }
        try writeHBA(runAs: runAs)
    }

    /// The pid in `postmaster.pid` if that process is alive.
    func runningPostmasterPID() -> pid_t? {
        guard let text = try? String(contentsOf: data.appendingPathComponent("postmaster.pid"), encoding: .utf8),
              let first = text.split(separator: "\n").first, let pid = pid_t(first.trimmingCharacters(in: .whitespaces)),
              pid > 0
        else { return nil }
        return kill(pid, 0) == 0 || errno == EPERM ? pid : nil
    }

    /// An eighth of the machine's memory, 128 MB to 2 GB: PostgreSQL's default 128 MB cannot hold
    /// the face-search index of a million faces (0.9 GB measured), and every search would read it from the
    /// OS cache instead.
    static var sharedBuffersMB: Int {
        let eighth = Int(ProcessInfo.processInfo.physicalMemory / 8 / 1_048_576)
        return min(2048, max(128, eighth))
    }

    func makeServerProcess(port: Int, runAs: RunAs) throws -> Process {
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let logHandle = try FileHandle(forWritingTo: log)
        logHandle.seekToEndOfFile()
        let process = runAs.process(tool("postgres"), arguments: [
            "-D", data.path, "-p", "\(port)", "-k", data.path,
            "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200",
            "-c", "shared_buffers=\(Self.sharedBuffersMB)MB",
        ])
        process.standardOutput = logHandle
        process.standardError = logHandle
        process.standardInput = FileHandle.nullDevice
        return process
    }

    func waitUntilReady(port: Int, process: Process?, limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let process, !process.isRunning {
                throw EmbeddedPostgresError.exited(status: process.terminationStatus, log: logTail())
            }
            let probe = try await RunAs.unprivileged.run(tool("pg_isready"), arguments: [
                "-q", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-t", "1",
            ])
            if probe.status == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw EmbeddedPostgresError.notReady(limit: limit, log: logTail())
    }

    func logTail(lines: Int = 20) -> String {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return "(no log at \(log.path))" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
