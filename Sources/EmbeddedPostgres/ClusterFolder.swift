import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where the cluster lives on disk, made usable by the account PostgreSQL runs as.
///
/// When facepipe runs as root, PostgreSQL runs as an unprivileged account, and that account must
/// be able to *enter* every folder above its data folder (search permission, `x`), not only own
/// the data folder. A folder facepipe creates on the way gets mode 0711: others may pass through
/// but not list it (it also holds the signing key and the media). The data folder itself is 0700
/// and owned by that account, as PostgreSQL requires.
///
/// A folder above that belongs to someone else and shuts the account out (a clone under `/root`,
/// a `mktemp -d` folder) is never changed: `prepare` fails with a message that names it and says
/// what to do, instead of initdb's bare "Permission denied".
enum ClusterFolder {
    /// Search permission for group and others: enough to pass through, not to list.
    static let passThrough: mode_t = 0o011

    /// Creates the data folder and its missing parents, then checks the account can reach it.
    /// `workingDirectory` bounds the repair of folders facepipe itself made with an older, too
    /// strict mode (0700): only those inside it, and owned by this process's user, are widened.
    static func prepare(data: URL, runAs: RunAs, workingDirectory: URL) throws {
        let parent = data.deletingLastPathComponent()
        try createParents(of: parent)
        if runAs.user != nil { repairOwnFolders(above: data, inside: workingDirectory) }
        if let blocked = firstBlockedFolder(on: parent, uid: runAs.uid, gid: runAs.gid) {
            throw EmbeddedPostgresError.folderUnreachable(
                folder: blocked.path, mode: blocked.mode, owner: blocked.owner, user: runAs.user ?? "you", target: data.path)
        }
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try runAs.giveOwnership(of: data.path)
    }

    /// Checks that the account can reach and run the binaries (set-up unpacks them inside the clone).
    static func checkReachable(_ folder: URL, runAs: RunAs, what: String) throws {
        guard runAs.user != nil, let blocked = firstBlockedFolder(on: folder, uid: runAs.uid, gid: runAs.gid) else { return }
        throw EmbeddedPostgresError.folderUnreachable(
            folder: blocked.path, mode: blocked.mode, owner: blocked.owner, user: runAs.user ?? "you", target: what)
    }

    /// mkdir -p with 0711 for each folder it makes (FileManager would give every intermediate
    /// folder the mode of the last one, which is how `.data` once became 0700).
    static func createParents(of folder: URL) throws {
        for path in paths(from: folder).dropFirst() {
            if mkdir(path, 0o755) == 0 {
                chmod(path, 0o700 | passThrough)
            } else if errno != EEXIST {
                throw EmbeddedPostgresError.cannotCreate(folder: path, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// Adds pass-through permission to folders between the working directory and the data folder
    /// that this process's user owns (made by facepipe, possibly by an older version as 0700).
    static func repairOwnFolders(above data: URL, inside workingDirectory: URL) {
        let root = workingDirectory.standardizedFileURL.path
        var folder = data.deletingLastPathComponent().standardizedFileURL
        while folder.path.hasPrefix(root + "/") {
            var info = stat()
            if stat(folder.path, &info) == 0, info.st_uid == geteuid(), info.st_mode & passThrough != passThrough {
                chmod(folder.path, (info.st_mode & 0o7777) | passThrough)
            }
            folder = folder.deletingLastPathComponent()
        }
    }

    struct Blocked: Equatable {
        var path: String
        var mode: String
        var owner: String
    }

    /// The first folder from `/` down to `folder` (inclusive) that the account cannot search.
    /// Uses the owner / group / other bits the kernel would (setpriv clears supplementary groups).
    static func firstBlockedFolder(on folder: URL, uid: uid_t, gid: gid_t) -> Blocked? {
        guard uid != 0 else { return nil }
        for path in paths(from: folder) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }  // missing: created later, by us
            let bit: mode_t = info.st_uid == uid ? 0o100 : info.st_gid == gid ? 0o010 : 0o001
            if info.st_mode & bit == 0 {
                let owner = getpwuid(info.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "uid \(info.st_uid)"
                return Blocked(path: path, mode: String(info.st_mode & 0o7777, radix: 8), owner: owner)
            }
        }
        return nil
    }

    /// "/", "/a", "/a/b" for /a/b.
    static func paths(from folder: URL) -> [String] {
        var paths = ["/"]
        var current = ""
        for component in folder.standardizedFileURL.pathComponents.dropFirst() {
            current += "/" + component
            paths.append(current)
        }
        return paths
    }
}
