import Foundation
import NIOCore

/// What a scanner concluded about one stream of bytes.
public enum ScanVerdict: Sendable, Equatable {
    case clean
    case infected(signature: String)
}

/// Scans uploads for malware. Implementations throw `ScanError` when no verdict could be reached,
/// so callers can tell "infected" from "could not check".
public protocol VirusScanner: Sendable {
    /// Streams the file from disk in chunks; the file is never held in memory whole.
    func scan(fileAt url: URL) async throws -> ScanVerdict
    func scan(bytes: ByteBuffer) async throws -> ScanVerdict
    /// Succeeds when the scanner answers; for readiness checks.
    func ping() async throws
}

extension VirusScanner {
    public func scan(bytes: some Sequence<UInt8>) async throws -> ScanVerdict {
        try await scan(bytes: ByteBuffer(bytes: bytes))
    }
}
