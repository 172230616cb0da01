import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The peers whose `X-Forwarded-*` headers are believed (`TRUSTED_PROXIES`): addresses or
/// networks in CIDR form, IPv4 or IPv6 (`10.0.0.7, 10.42.0.0/16, fd00::/8`).
///
/// Networks exist for Kubernetes: an Ingress controller's pods get addresses from the pod
/// network, not one known address. An IPv4 peer seen on a dual-stack socket (`::ffff:10.0.0.7`)
/// matches its IPv4 entry. An entry that is not an address or network is a configuration error
/// at start-up, not a rule that silently never matches.
public struct TrustedProxies: Sendable, Equatable, ExpressibleByArrayLiteral {
    struct Network: Sendable, Equatable {
        /// 4 bytes for IPv4, 16 for IPv6.
        let bytes: [UInt8]
        let prefixLength: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefixLength
            for (a, b) in zip(address, bytes) where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if a & mask != b & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    let networks: [Network]

    public static let none = TrustedProxies(networks: [])

    init(networks: [Network]) { self.networks = networks }

    /// Comma-separated entries; throws naming the first that is neither an address nor a network.
    public init(parsing list: String) throws(InvalidEntry) {
        var networks: [Network] = []
        for entry in list.split(separator: ",") {
            let text = entry.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let network = Self.network(text) else { throw InvalidEntry(entry: text) }
            networks.append(network)
        }
        self.networks = networks
    }

    /// For tests and code that builds configuration: every element must parse.
    public init(arrayLiteral elements: String...) {
        do { try self.init(parsing: elements.joined(separator: ",")) } catch {
            preconditionFailure("not an address or network: \(error.entry)")
        }
    }

    public struct InvalidEntry: Error, Equatable {
        public let entry: String
        public init(entry: String) { self.entry = entry }
    }

    public var isEmpty: Bool { networks.isEmpty }

    /// Whether `address` (as the socket reports a peer) is one of the trusted proxies.
    public func contains(_ address: String) -> Bool {
        guard !networks.isEmpty, let bytes = Self.bytes(address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    static func network(_ text: String) -> Network? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let bytes = bytes(String(parts[0])) else { return nil }
        let maximum = bytes.count * 8
        guard parts.count == 2 else { return Network(bytes: bytes, prefixLength: maximum) }
        guard let length = Int(parts[1]), (0...maximum).contains(length) else { return nil }
        return Network(bytes: bytes, prefixLength: length)
    }

    /// The address's bytes; an IPv4-mapped IPv6 address gives its 4 IPv4 bytes.
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return Array(bytes[12...])
        }
        return bytes
    }
}
