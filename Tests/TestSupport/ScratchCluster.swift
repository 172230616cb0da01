import FacepipeCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        config = EmbeddedPostgresConfig(binDirectory: Self.binDirectory, dataDirectory: data.path, port: Self.freePort(),
                                        readyTimeout: patience)
    }

    /// A loopback port nothing listens on, below Linux's ephemeral range (32768–60999): a port
    /// drawn from inside it can be taken by any outgoing connection between the draw and
    /// PostgreSQL's bind (CI saw "could not bind 127.0.0.1:57130: Address already in use").
    public static func freePort() -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000...30_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if bound { return port }
        }
        return Int.random(in: 20_000...30_000)
    }

    /// Removes the cluster folder and PostgreSQL's log and password, which live beside it.
    public func remove() {
        try? FileManager.default.removeItem(at: data)
        try? FileManager.default.removeItem(atPath: data.path + ".log")
        try? FileManager.default.removeItem(atPath: data.path + ".password")
    }
}
