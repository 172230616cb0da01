import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs PostgreSQL's tools as an unprivileged user when facepipe runs as root, via
/// util-linux `setpriv` (it execs in place, so signals reach postgres directly).
struct RunAs {
    let user: String?
    let uid: uid_t
    let gid: gid_t

    static let unprivileged = RunAs(user: nil, uid: getuid(), gid: getgid())

    static func current(user: String) throws -> RunAs {
        guard geteuid() == 0 else { return .unprivileged }
        guard let entry = getpwnam(user) else { throw EmbeddedPostgresError.userMissing(user) }
        return RunAs(user: user, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    func giveOwnership(of path: String) throws {
        guard user != nil else { return }
        if chown(path, uid, gid) != 0 {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
    }

    func process(_ executable: URL, arguments: [String]) -> Process {
        let process = Process()
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--", executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        return process
    }

    /// Runs a tool to completion and returns its exit status and combined output.
    func run(_ executable: URL, arguments: [String]) async throws -> (status: Int32, text: String) {
        let process = process(executable, arguments: arguments)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let (exits, continuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            continuation.yield($0.terminationStatus)
            continuation.finish()
        }
        try process.run()
        // Read before waiting so a chatty tool cannot block on a full pipe.
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        var status: Int32 = -1
        for await code in exits { status = code }
        return (status, String(decoding: output, as: UTF8.self))
    }
}
