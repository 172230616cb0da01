/// Where clamd listens.
public enum ClamdEndpoint: Sendable, Equatable, CustomStringConvertible {
    case unixSocket(path: String)
    case tcp(host: String, port: Int)

    /// Parses configuration text: `unix:/path`, an absolute path, `tcp://host:port` or `host:port`.
    public init?(_ text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            guard !path.isEmpty else { return nil }
            self = .unixSocket(path: path)
            return
        }
        if text.hasPrefix("/") {
            self = .unixSocket(path: text)
            return
        }
        let hostPort = text.hasPrefix("tcp://") ? text.dropFirst("tcp://".count) : Substring(text)
        guard let colon = hostPort.lastIndex(of: ":"),
              let port = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        var host = hostPort[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }  // [::1]:3310
        guard !host.isEmpty else { return nil }
        self = .tcp(host: String(host), port: port)
    }

    public var description: String {
        switch self {
        case .unixSocket(let path): "unix:\(path)"
        case .tcp(let host, let port): "tcp://\(host):\(port)"
        }
    }
}
