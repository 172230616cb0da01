import FacepipeCore
import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// The local PostgreSQL cluster facepipe runs when no DATABASE_URL is given.
///
/// `start` initialises the cluster on first use and starts `postgres` as a child process
/// (as an unprivileged user when we are root: PostgreSQL refuses to run as root). The
/// returned value is a `Service`: it supervises the child — restarting it with backoff when it
/// exits on its own (a crash, an operator's `pg_ctl stop`), so the API answers 503 for a few
/// seconds instead of the whole process ending — and stops it on shutdown. If the cluster is
/// already served by another live facepipe process, it attaches instead.
public final class EmbeddedPostgres: Service, @unchecked Sendable {
    public let config: EmbeddedPostgresConfig
    private let logger: Logger
    private let owner: Bool
    private let lock = NSLock()
    // Guarded by `lock`: the current child and the stream of its exit status.
    private var process: Process?
    private var exits: AsyncStream<Int32>
    private var stopping = false
    /// Restarts so far (for logs and tests).
    public private(set) var restarts = 0

    private init(config: EmbeddedPostgresConfig, logger: Logger, process: Process?, exits: AsyncStream<Int32>) {
        self.config = config
        self.logger = logger
        self.process = process
        self.owner = process != nil
        self.exits = exits
    }

    /// Where the server accepts connections, with the cluster's password (`ClusterPassword`).
    public func url() throws -> DatabaseURL {
        var url = config.url
        url.password = try Layout(config).password.read()
        return url
    }

    /// True when this process started the server (false when it attached to a running one).
    public var isOwner: Bool { owner }

    /// The child's process id (nil when attached to another process's server).
    public var pid: Int32? { lock.withLock { process?.processIdentifier } }

    public static func start(_ config: EmbeddedPostgresConfig, logger: Logger) async throws -> EmbeddedPostgres {
        let layout = try Layout(config)
        let runAs = try RunAs.current(user: config.systemUser)
        try layout.checkBinaries(runAs: runAs)
        try await layout.initialiseIfNeeded(runAs: runAs, logger: logger)

        if let pid = layout.runningPostmasterPID() {
            if parentPID(of: pid) == 1 {
                // Left behind by a facepipe process that was killed: take it over.
                logger.warning("stopping PostgreSQL left running by an earlier run", metadata: ["pid": "\(pid)"])
                try await stopOrphan(pid: pid)
            } else {
                logger.info("attaching to the embedded PostgreSQL already running", metadata: ["pid": "\(pid)", "port": "\(config.port)"])
                if let hba = try? String(contentsOf: layout.hbaFile, encoding: .utf8), ClusterPassword.trusts(hba: hba) {
                    // An older facepipe runs it: it is converted when this process is the one that starts it.
                    logger.warning("the running embedded PostgreSQL still trusts local connections; restart facepipe to require its password",
                                   metadata: ["pid": "\(pid)"])
                }
                try await layout.waitUntilReady(port: config.port, process: nil, limit: config.readyTimeout)
                return EmbeddedPostgres(config: config, logger: logger, process: nil, exits: AsyncStream { $0.finish() })
            }
        }

        try await layout.requirePasswords(runAs: runAs, logger: logger)
        let (process, exits) = try launch(layout, port: config.port, runAs: runAs)
        logger.info("started embedded PostgreSQL", metadata: [
            "pid": "\(process.processIdentifier)", "port": "\(config.port)", "data": "\(layout.data.path)",
        ])
        let server = EmbeddedPostgres(config: config, logger: logger, process: process, exits: exits)
        do {
            try await layout.waitUntilReady(port: config.port, process: process, limit: config.readyTimeout)
        } catch {
            await server.stop()
            throw error
        }
        return server
    }

    private static func launch(_ layout: Layout, port: Int, runAs: RunAs) throws -> (Process, AsyncStream<Int32>) {
        let (exits, continuation) = AsyncStream<Int32>.makeStream()
        let process = try layout.makeServerProcess(port: port, runAs: runAs)
        process.terminationHandler = { finished in
            continuation.yield(finished.terminationStatus)
            continuation.finish()
        }
        try process.run()
        return (process, exits)
    }

    /// Supervises the child until shutdown. When it exits on its own it is started again after
    /// 1, 2, 4 … 30 s (reset once a start succeeds); every exit and restart is logged with the
    /// tail of PostgreSQL's own log. Clients reconnect by themselves meanwhile.
    public func run() async throws {
        guard owner else {
            try? await gracefulShutdown()
            return
        }
        try await withGracefulShutdownHandler {
            var delay = 1
            while true {
                let exits = lock.withLock { self.exits }
                var status: Int32 = -1
                for await code in exits { status = code }
                if lock.withLock({ stopping }) { break }
                let layout = try Layout(config)
                logger.error("embedded PostgreSQL exited unexpectedly; restarting it", metadata: [
                    "status": "\(status)", "restart_in_seconds": "\(delay)", "log_tail": "\(layout.logTail(lines: 5))",
                ])
                while !lock.withLock({ stopping }) {
                    try? await Task.sleep(for: .seconds(delay))
                    if lock.withLock({ stopping }) { break }
                    do {
                        let runAs = try RunAs.current(user: config.systemUser)
                        let (process, exits) = try Self.launch(layout, port: config.port, runAs: runAs)
                        lock.withLock {
                            self.process = process
                            self.exits = exits
                            restarts += 1
                        }
                        try await layout.waitUntilReady(port: config.port, process: process, limit: config.readyTimeout)
                        logger.notice("embedded PostgreSQL is back", metadata: ["pid": "\(process.processIdentifier)", "restarts": "\(restarts)"])
                        delay = 1
                        break
                    } catch {
                        delay = min(30, delay * 2)
                        logger.error("embedded PostgreSQL did not restart; trying again", metadata: [
                            "error": "\(error)", "restart_in_seconds": "\(delay)",
                        ])
                    }
                }
                if lock.withLock({ stopping }) { break }
            }
        } onGracefulShutdown: {
            self.requestStop()
        }
        if let process = lock.withLock({ self.process }) {
            while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
        logger.info("embedded PostgreSQL stopped")
    }

    /// Fast shutdown (SIGINT: disconnect clients, checkpoint); immediate (SIGQUIT) after 30 s.
    public func stop() async {
        guard let process = lock.withLock({ self.process }) else { return }
        requestStop()
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { kill(process.processIdentifier, SIGQUIT) }
    }

    private func requestStop() {
        let process = lock.withLock { () -> Process? in
            stopping = true
            return self.process
        }
        if let process, process.isRunning { kill(process.processIdentifier, SIGINT) }
    }

    private static func stopOrphan(pid: pid_t) async throws {
        kill(pid, SIGINT)
        for _ in 0..<1500 where kill(pid, 0) == 0 {
            try await Task.sleep(for: .milliseconds(20))
        }
        if kill(pid, 0) == 0 { kill(pid, SIGQUIT) }
    }

    public static func parentPID(of pid: pid_t) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name: state, ppid, …
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }
}

public enum EmbeddedPostgresError: Error, CustomStringConvertible {
    case binariesMissing(String)
    case userMissing(String)
    case initdbFailed(String)
    case notReady(limit: Duration, log: String)
    case exited(status: Int32, log: String)
    case folderUnreachable(folder: String, mode: String, owner: String, user: String, target: String)
    case cannotCreate(folder: String, reason: String)

    public var description: String {
        switch self {
        case .binariesMissing(let path):
            "embedded PostgreSQL not found at \(path): run `make setup` (scripts/setup.sh) or set DATABASE_URL"
        case .userMissing(let user):
            "running as root, but the user \(user) that PostgreSQL runs as does not exist: run `make setup` or set EMBEDDED_PG_USER"
        case .initdbFailed(let output): "initdb failed: \(output)"
        case .notReady(let limit, let log): "embedded PostgreSQL did not become ready within \(limit). Log tail:\n\(log)"
        case .exited(let status, let log): "embedded PostgreSQL exited unexpectedly (status \(status)). Log tail:\n\(log)"
        case .folderUnreachable(let folder, let mode, let owner, let user, let target):
            """
            the embedded PostgreSQL runs as the unprivileged user \(user) (it refuses to run as root), and that user \
            cannot enter \(folder) (mode \(mode), owner \(owner)) on the way to \(target). Either let it pass \
            (chmod o+x \(folder)), or keep the cluster where it can reach: set EMBEDDED_PG_DIR (e.g. \
            /var/lib/facepipe/postgres) and EMBEDDED_PG_BIN, or clone the project under /srv or /opt
            """
        case .cannotCreate(let folder, let reason):
            "cannot create \(folder) for the embedded PostgreSQL: \(reason) (set EMBEDDED_PG_DIR to a writable folder)"
        }
    }
}
