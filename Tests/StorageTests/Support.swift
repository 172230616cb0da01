import Crypto
import Foundation
import NIOCore
import Testing

@testable import Storage

/// Why a test cannot run; thrown, so the test fails with this text.
struct SetupError: Error, CustomStringConvertible {
    let description: String
}

enum TestEnvironment {
    /// The moto_server the S3 tests talk to. Unset is a failure, not a skip: a suite that
    /// silently skips its S3 half would pass with the S3 store broken.
    /// A moto_server of its own for the test that switches authentication on (see run-tests.sh).
    static func s3AuthEndpoint() throws -> URL {
        guard let value = ProcessInfo.processInfo.environment["FACEPIPE_TEST_S3_AUTH_ENDPOINT"], !value.isEmpty,
              let url = URL(string: value) else {
            throw SetupError(description: """
                FACEPIPE_TEST_S3_AUTH_ENDPOINT is not set: start a second moto_server with \
                `TEST_MOTO_INSTANCE=test-moto-auth TEST_MOTO_PORT=25445 bash scripts/test-moto.sh start` (`make test` does this).
                """)
        }
        return url
    }

    static func s3Endpoint() throws -> URL {
        guard let value = ProcessInfo.processInfo.environment["FACEPIPE_TEST_S3_ENDPOINT"], !value.isEmpty,
              let url = URL(string: value) else {
            throw SetupError(description: """
                FACEPIPE_TEST_S3_ENDPOINT is not set: the S3 tests need a moto_server. Start one with \
                `bash scripts/test-moto.sh start && export FACEPIPE_TEST_S3_ENDPOINT=$(bash scripts/test-moto.sh url)` \
                (`make test` does this).
                """)
        }
        return url
    }
}

/// A fresh folder under the system temporary folder, removed after `body`.
func withScratchDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("facepipe-storage-\(UUID().uuidString.lowercased())", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
}

func sha256Hex(_ bytes: some Sequence<UInt8>) -> String { Bytes.hex(SHA256.hash(data: Array(bytes))) }

func key(_ raw: String) throws -> MediaKey { try MediaKey(raw) }

extension ByteBuffer {
    var bytes: [UInt8] { Array(readableBytesView) }
}

/// Collects a stream, counting its chunks.
func collect(_ body: MediaBody) async throws -> (bytes: [UInt8], chunks: Int) {
    var bytes: [UInt8] = [], chunks = 0
    for try await chunk in body {
        bytes += chunk.readableBytesView
        chunks += 1
    }
    return (bytes, chunks)
}
