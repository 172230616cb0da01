import Foundation
import Scanning
import Testing
import TestSupport

/// The clamd started by scripts/test-clamd.sh, located through the environment `make test` sets.
enum TestClamd {
    static func unixSocket() throws -> ClamdEndpoint {
        .unixSocket(path: try variable("FACEPIPE_TEST_CLAMD_SOCKET"))
    }

    static func tcp() throws -> ClamdEndpoint {
        let text = try variable("FACEPIPE_TEST_CLAMD_TCP")
        guard let endpoint = ClamdEndpoint(text), case .tcp = endpoint else {
            throw TestClamdError("FACEPIPE_TEST_CLAMD_TCP must be host:port, got \(text)")
        }
        return endpoint
    }

    /// Limits only against hanging: a loopback connect to the test clamd took longer than 2 s
    /// while busy loops held both cores (`make test-stress`), and the test then failed as if clamd
    /// were unreachable. Tests of the timeouts themselves pass their own.
    static func scanner(_ endpoint: ClamdEndpoint, scanTimeout: Duration = patience) -> ClamdScanner {
        ClamdScanner(.init(endpoint: endpoint, connectTimeout: patience, scanTimeout: scanTimeout))
    }

    private static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw TestClamdError("""
                \(name) is not set: these tests need a running clamd. Run `bash scripts/test-clamd.sh start` and \
                export FACEPIPE_TEST_CLAMD_SOCKET=$(bash scripts/test-clamd.sh socket) \
                FACEPIPE_TEST_CLAMD_TCP=127.0.0.1:$(cat .data/clamd/tcp.port) (make test does this)
                """)
        }
        return value
    }
}

struct TestClamdError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
