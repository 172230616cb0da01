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
/// returned value is a `Service`: it supervises the child and stops it on shutdown. If the
/// cluster is already served by another live facepipe process, it attaches instead.
public final class EmbeddedPostgres: Service, @unchecked Sendable {
    public let config: EmbeddedPostgresConfig
    private let logger: Logger
    private let process: Process?
    private let exits: AsyncStream<Int32>
    private let lock = NSLock()
    private var stopping = false

    private init(config: EmbeddedPostgresConfig, logger: Logger, process: Process?, exits: AsyncStream<Int32>) {
        self.config = config
        self.logger = logger
        self.process = process
        self.exits = exits
    }

    /// True when this process started the server (false when it attached to a running one).
    public var isOwner: Bool { process != nil }

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
                try await layout.waitUntilReady(port: config.port, process: nil)
                return EmbeddedPostgres(config: config, logger: logger, process: nil, exits: AsyncStream { $0.finish() })
            }
        }

        let (exits, continuation) = AsyncStream<Int32>.makeStream()
        let process = try layout.makeServerProcess(port: config.port, runAs: runAs)
        process.terminationHandler = { finished in
            continuation.yield(finished.terminationStatus)
            continuation.finish()
        }
        try process.run()
        logger.info("started embedded PostgreSQL", metadata: [
            "pid": "\(process.processIdentifier)", "port": "\(config.port)", "data": "\(layout.data.path)",
        ])
        let server = EmbeddedPostgres(config: config, logger: logger, process: process, exits: exits)
        do {
            try await layout.waitUntilReady(port: config.port, process: process)
        } catch {
            await server.stop()
            throw error
        }
        return server
    }

    /// Supervises the child until shutdown; an unexpected exit fails the service group.
    public func run() async throws {
        guard process != nil else {
            try? await gracefulShutdown()
            return
        }
        var status: Int32?
        await withGracefulShutdownHandler {
            for await code in exits { status = code }
        } onGracefulShutdown: {
            self.requestStop()
        }
        let expected = lock.withLock { stopping }
        if !expected {
            throw EmbeddedPostgresError.exited(status: status ?? -1, log: (try? Layout(config).logTail()) ?? "")
        }
        logger.info("embedded PostgreSQL stopped")
    }

    /// Fast shutdown (SIGINT: disconnect clients, checkpoint); immediate (SIGQUIT) after 30 s.
    public func stop() async {
        guard let process else { return }
        requestStop()
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { kill(process.processIdentifier, SIGQUIT) }
    }

    private func requestStop() {
        guard let process else { return }
        lock.withLock { stopping = true }
        if process.isRunning { kill(process.processIdentifier, SIGINT) }
    }

    private static func stopOrphan(pid: pid_t) async throws {
        kill(pid, SIGINT)
        for _ in 0..<1500 where kill(pid, 0) == 0 {
            try await Task.sleep(for: .milliseconds(20))
        }
        if kill(pid, 0) == 0 { kill(pid, SIGQUIT) }
    }

    static func parentPID(of pid: pid_t) -> pid_t? {
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
    case notReady(String)
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
        case .notReady(let log): "embedded PostgreSQL did not become ready within 60 s. Log tail:\n\(log)"
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
