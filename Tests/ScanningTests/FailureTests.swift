import Foundation
import Scanning
import Testing
import TestSupport

/// Failures that need no clamd: each must surface as a typed `ScanError`, quickly.
/// The configured timeouts are long (10 min): a failure that waited for one instead of being
/// reported at once would show up as a stuck test. No wall-clock bounds are asserted, since
/// suites share 2 loaded cores.
@Suite struct FailureTests {
    private func makeScanner(_ endpoint: ClamdEndpoint) -> ClamdScanner {
        ClamdScanner(.init(endpoint: endpoint, connectTimeout: .seconds(600), scanTimeout: .seconds(600)))
    }

    @Test func missingUnixSocketIsUnreachable() async throws {
        let scanner = makeScanner(.unixSocket(path: "/nonexistent/clamd.sock"))
        try await expectUnreachable { _ = try await scanner.scan(bytes: Fixtures.eicar) }
        try await expectUnreachable { try await scanner.ping() }
    }

    @Test func closedTCPPortIsUnreachable() async throws {
        let scanner = makeScanner(.tcp(host: "127.0.0.1", port: try SilentListener.closedTCPPort()))
        try await expectUnreachable { _ = try await scanner.scan(bytes: Fixtures.eicar) }
    }

    @Test func silentServerTimesOut() async throws {
        let listener = try SilentListener()
        let scanner = TestClamd.scanner(.unixSocket(path: listener.path), scanTimeout: .milliseconds(300))
        await #expect(throws: ScanError.timeout) { try await scanner.scan(bytes: Fixtures.eicar) }
        await #expect(throws: ScanError.timeout) { try await scanner.ping() }
        _ = listener
    }

    private func expectUnreachable(_ body: () async throws -> Void) async throws {
        let error = await #expect(throws: ScanError.self) { try await body() }
        guard case .unreachable = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
    }
}
