import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A unix socket that accepts connections (via the kernel backlog) but never answers, to
/// exercise the scan timeout (a hung or overloaded clamd). Also used to find a TCP port nothing listens on.
public final class SilentListener {
    public let path: String
    private let fd: CInt

    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("silent-\(UUID().uuidString.prefix(8)).sock").path
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 8) == 0 else { throw TestSetupError("silent listener: errno \(errno)") }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// A loopback TCP port that was free a moment ago, so connecting to it is refused.
    public static func closedTCPPort() throws -> Int {
        let (fd, port) = try loopbackTCPSocket()
        close(fd)
        return port
    }
}

/// A TCP socket bound to a port of 127.0.0.1 the kernel chose, and that port.
func loopbackTCPSocket() throws -> (CInt, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSetupError("socket: errno \(errno)") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard ok else {
        let failure = errno
        close(fd)
        throw TestSetupError("binding a loopback TCP port: errno \(failure)")
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A loopback TCP port that listens but never accepts: the kernel completes the handshake and
/// queues what a client sends, and no answer ever comes. A database server whose address stopped
/// answering looks like this to a client that is connecting.
public final class SilentTCPListener {
    public let port: Int
    private let fd: CInt

    public init() throws {
        (fd, port) = try loopbackTCPSocket()
        // Fully initialized here, so a throw still runs deinit, which closes the socket.
        guard listen(fd, 64) == 0 else { throw TestSetupError("silent TCP listener: errno \(errno)") }
    }

    deinit { close(fd) }
}
