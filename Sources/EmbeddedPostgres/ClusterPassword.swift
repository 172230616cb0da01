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

    /// The password, created (0600) on first use.
    func read() throws -> String {
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            let password = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if password.count >= 32 { return password }
        }
        var generator = SystemRandomNumberGenerator()
        let password = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        // Created 0600 before a byte is written: never readable by others, not even for a moment.
        let fd = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw EmbeddedPostgresError.cannotCreate(folder: file.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let bytes = Array((password + "\n").utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else {
            throw EmbeddedPostgresError.cannotCreate(folder: file.path, reason: String(cString: strerror(errno)))
        }
        return password
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
