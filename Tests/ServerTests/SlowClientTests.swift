import FacepipeCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Persistence
import Server
import Storage
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Slow clients against the real server on loopback (bounded: 100 connections).
/// A slowloris client opens connections and sends a request's headers a byte at a time, never
/// finishing them, to hold the server's connections. Each is closed once the connection has
/// carried no complete request for `HTTP_IDLE_TIMEOUT_SECONDS`, however many bytes trickle in;
/// meanwhile ordinary requests are served as usual.
///
/// Decided by events, not by the clock: an ordinary request counts as "served meanwhile" when
/// every trickling connection is still open after its answer came, and the test waits (within
/// `patience`) until the server has closed all of them. How fast either happened is printed,
/// not asserted: a starved machine is slow, not wrong.
@Suite struct SlowClientTests {
    @Test func tricklingHeadersAreCutOffAndOthersAreServedMeanwhile() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-slow-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: base) }
            try FileManager.default.createDirectory(at: base.appendingPathComponent("media"), withIntermediateDirectories: true)
            let store = try LocalMediaStore(root: base.appendingPathComponent("media"))
            let dependencies = try await IngestHarness.makeDependencies(client: client, store: store, spool: base.appendingPathComponent("spool"))
            // The default 30 s idle limit: wide enough that an ordinary request is answered while
            // all 100 are still held even when the whole suite starves this test for a while.
            let app = try buildApplication(http: HTTPConfig(host: "127.0.0.1", port: 0, idleTimeout: .seconds(30)), dependencies: dependencies)
            try await app.test(.live) { live in
                let port = try #require(live.port)
                let slow = try (0..<100).map { _ in try RawConnection(port: port) }
                defer { for connection in slow { connection.close() } }
                for connection in slow { connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n") }
                let start = ContinuousClock.now
                var closedAt: [Int: Duration] = [:]
                /// One more header byte on every open trickling connection; notes the closed ones.
                func trickle() {
                    for (index, connection) in slow.enumerated() where closedAt[index] == nil {
                        if connection.isClosedByPeer() { closedAt[index] = ContinuousClock.now - start } else { connection.send("X") }
                    }
                }
                var servedWhileAllHeld = 0
                var served = 0
                var latencies: [Duration] = []
                let deadline = start + patience
                while closedAt.count < slow.count && ContinuousClock.now < deadline {
                    trickle()
                    // A new connection per ordinary request: a kept-alive one would itself be cut
                    // when idle (as it should be). Not /health: its database ping has a 2 s limit,
                    // which a suite that starves the machine for minutes overran (a 503 in CI).
                    let requested = ContinuousClock.now
                    let ordinary = try RawConnection(port: port)
                    ordinary.send("GET /openapi.yaml HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    let status = try await ordinary.statusLine()
                    ordinary.close()
                    #expect(status.hasPrefix("HTTP/1.1 200"), "an ordinary request got \"\(status)\"")
                    served += 1
                    latencies.append(ContinuousClock.now - requested)
                    trickle()
                    if closedAt.isEmpty { servedWhileAllHeld += 1 }
                    try await Task.sleep(for: .milliseconds(200))
                }
                #expect(closedAt.count == slow.count, "\(slow.count - closedAt.count) trickling connections still open after \(ContinuousClock.now - start)")
                #expect(servedWhileAllHeld >= 1, "no ordinary request was answered while the 100 trickling connections were open")
                let sorted = latencies.sorted()
                print("slowloris: 100 trickling connections cut off by \(closedAt.values.max() ?? .zero); "
                      + "\(served) ordinary requests, \(servedWhileAllHeld) while all 100 were open; "
                      + "/openapi.yaml p50 \(sorted[sorted.count / 2]), p95 \(sorted[min(sorted.count - 1, sorted.count * 95 / 100)])")
            }
        }
    }
}

/// A plain TCP connection (POSIX sockets), for clients HTTP libraries will not imitate.
final class RawConnection: @unchecked Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { Glibc.close(descriptor); throw TestSetupError("connect failed: errno \(errno)") }
    }

    func send(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(descriptor, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
    }

    /// True when the server closed the connection (a read returns end of file or an error)
    /// without waiting: MSG_DONTWAIT.
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        let read = recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT))
        if read == 0 { return true }
        if read < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        return false  // the server answered something (it should not, to unfinished headers)
    }

    /// The first line of the answer, once it arrives (or the peer closes, or `patience` runs
    /// out). Reads without blocking and sleeps between tries: a blocking read would hold one of
    /// the few threads Swift concurrency has, which the server under test needs too.
    func statusLine() async throws -> String {
        let deadline = ContinuousClock.now + patience
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < 200, ContinuousClock.now < deadline {
            let read = recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT))
            if read == 1 {
                if byte == UInt8(ascii: "\n") { break }
                bytes.append(byte)
            } else if read < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try await Task.sleep(for: .milliseconds(5))
            } else {
                break  // closed or failed
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func close() { Glibc.close(descriptor) }
}
