import FacepipeCore
import Foundation

/// A throw-away embedded PostgreSQL cluster folder under `.data` for tests that start, stop or
/// break a cluster of their own, on a random port, with the binaries `make setup` unpacked.
public struct ScratchCluster: Sendable {
    public let data: URL
    public let config: EmbeddedPostgresConfig

    /// The PostgreSQL binaries set-up unpacked into `.deps/postgres/bin`.
    public static var binDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".deps/postgres/bin").path
    }

    public init(prefix: String) {
        data = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent(".data/\(prefix)-\(UUID().uuidString.prefix(8))")
        config = EmbeddedPostgresConfig(binDirectory: Self.binDirectory, dataDirectory: data.path, port: Int.random(in: 55_000...59_000))
    }

    /// Removes the cluster folder and PostgreSQL's log and password, which live beside it.
    public func remove() {
        try? FileManager.default.removeItem(at: data)
        try? FileManager.default.removeItem(atPath: data.path + ".log")
        try? FileManager.default.removeItem(atPath: data.path + ".password")
    }
}
