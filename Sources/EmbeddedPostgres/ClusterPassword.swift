import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The embedded cluster authenticates every connection (issue 22): `scram-sha-256` for the
/// superuser over TCP and the socket alike, never `trust`. Without it, any local account could
/// connect to `127.0.0.1:54329` as `postgres`, read faces and sessions, add an admin key, or run
/// programs through `COPY … TO PROGRAM`.
///
/// The password is 256 random bits in `<data folder>.password` beside the cluster (like its
/// log), mode 0600 and owned by whoever runs facepipe: the processes that start or attach to
/// the cluster read it there, no other account can. Operators use it the same way:
/// `PGPASSWORD=$(cat .data/postgres.password) psql -h 127.0.0.1 -p 54329 -U postgres facepipe`.
struct ClusterPassword {
    let file: URL

    init(data: URL) {
        file = data.deletingLastPathComponent().appendingPathComponent(data.lastPathComponent + ".password")
    }

    /// The password, created (0600) on first use. An existing file is never replaced (the
    /// cluster holds that password): one that others may read, that belongs to another account
    /// or that holds no password is refused with what to do.
    func read() throws -> String {
        if let password = try existing() { return password }
        var generator = SystemRandomNumberGenerator()
        let password = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        // Written in full to a private temporary file, then linked into place: a process that
        // starts at the same moment either wins the link or reads the winner's file, and
        // nobody ever reads half a password.
        let temporary = file.path + ".\(UUID().uuidString)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.failure(temporary, String(cString: strerror(errno))) }
        defer { unlink(temporary) }
        let bytes = Array((password + "\n").utf8)
        let written = write(fd, bytes, bytes.count)
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0 else { throw Self.failure(temporary, "short write") }
        if link(temporary, file.path) != 0 {
            guard errno == EEXIST, let winner = try existing() else { throw Self.failure(file.path, String(cString: strerror(errno))) }
            return winner
        }
        return password
    }

    /// The password in the file, nil when there is no file.
    private func existing() throws -> String? {
        var info = stat()
        guard lstat(file.path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw Self.failure(file.path, String(cString: strerror(errno)))
        }
        guard info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(), info.st_mode & 0o077 == 0 else {
            throw Self.failure(file.path, "it must be a regular file of this account with mode 0600 (chown/chmod it, or remove it "
                + "together with the cluster folder to start afresh)")
        }
        let password = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard password.count >= 32 else {
            throw Self.failure(file.path, "it holds no password; restore it, or remove it together with the cluster folder")
        }
        return password
    }

    static func failure(_ path: String, _ reason: String) -> EmbeddedPostgresError {
        .cannotCreate(folder: path, reason: reason)
    }

    /// A copy of the password for initdb's `--pwfile`, readable by the account PostgreSQL runs
    /// as and nobody else; `body` runs with its path, then it is removed.
    func withPasswordFile<T>(for runAs: RunAs, in folder: URL, _ body: (String) async throws -> T) async throws -> T {
        let path = folder.appendingPathComponent(".initdb-pw-\(UUID().uuidString)").path
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw EmbeddedPostgresError.cannotCreate(folder: path, reason: String(cString: strerror(errno))) }
        defer { unlink(path) }
        let bytes = Array((try read() + "\n").utf8)
        let written = write(fd, bytes, bytes.count)
        close(fd)
        guard written == bytes.count else { throw EmbeddedPostgresError.cannotCreate(folder: path, reason: "short write") }
        try runAs.giveOwnership(of: path)
        return try await body(path)
    }

    /// pg_hba.conf for the embedded cluster: the socket (a 0700 folder) and loopback only,
    /// every line with a password.
    static let hba = """
        # Written by facepipe: every connection authenticates with the password in the
        # cluster's .password file (scram-sha-256); no trust, loopback and the private socket only.
        local   all             all                                     scram-sha-256
        host    all             all             127.0.0.1/32            scram-sha-256
        host    all             all             ::1/128                 scram-sha-256
        local   replication     all                                     scram-sha-256
        host    replication     all             127.0.0.1/32            scram-sha-256
        host    replication     all             ::1/128                 scram-sha-256

        """

    /// True when the cluster's pg_hba.conf lets anyone in without a password (clusters made by
    /// facepipe before 0.4 were initialised with `--auth=trust`).
    static func trusts(hba text: String) -> Bool {
        text.split(separator: "\n").contains { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = fields.first, !first.hasPrefix("#") else { return false }
            return fields.contains { $0 == "trust" }
        }
    }
}
