import Foundation
import Scanning
import Testing

/// Failures that need no clamd: each must surface as a typed `ScanError`, quickly.
/// The time bounds are not performance checks: they sit below the 20 s connect timeout configured
/// here, so passing proves the failure was reported at once rather than after waiting for it.
/// They are generous because suites run in parallel on loaded 2-core machines.
@Suite struct FailureTests {
    private func makeScanner(_ endpoint: ClamdEndpoint) -> ClamdScanner {
        ClamdScanner(.init(endpoint: endpoint, connectTimeout: .seconds(20), scanTimeout: .seconds(30)))
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
        let start = ContinuousClock.now
        await #expect(throws: ScanError.timeout) { try await scanner.scan(bytes: Fixtures.eicar) }
        await #expect(throws: ScanError.timeout) { try await scanner.ping() }
        #expect(ContinuousClock.now - start < .seconds(15))
        _ = listener
    }

    private func expectUnreachable(_ body: () async throws -> Void) async throws {
        let start = ContinuousClock.now
        let error = await #expect(throws: ScanError.self) { try await body() }
        guard case .unreachable = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
        #expect(ContinuousClock.now - start < .seconds(15))
    }
}
