import FacepipeCore
import Foundation

/// The short block a person reads when `facepipe serve` is up: where it answers, where its data
/// lives, whether uploads are scanned, how to stop it. Printed to stdout once the port is bound
/// (the JSON logs go to stderr), so the URL is the real one even with `--port 0`.
struct StartupBanner {
    var config: AppConfig
    var port: Int
    var runsWorker: Bool
    /// Set when no admin key existed and one was written (its path, never the key).
    var adminKeyFile: String?

    var text: String {
        let host = config.http.host == "0.0.0.0" || config.http.host == "::" ? "127.0.0.1" : config.http.host
        var lines = ["facepipe \(FacepipeVersion.current) is serving on http://\(host.contains(":") ? "[\(host)]" : host):\(port)"]
        switch config.database.target {
        case .embedded(let embedded):
            lines.append("  database  embedded PostgreSQL in \(Self.absolute(embedded.dataDirectory)) (port \(embedded.port))")
        case .external(let url):
            lines.append("  database  \(url)")
        }
        switch config.media.backend {
        case .local(let root): lines.append("  media     \(Self.absolute(root))")
        case .s3(let s3): lines.append("  media     S3 bucket \(s3.bucket) at \(s3.endpoint)")
        }
        if let adminKeyFile {
            lines.append("  admin key \(Self.absolute(adminKeyFile)) (created now; send it as Authorization: Bearer …)")
        }
        switch config.scanner.endpoint {
        case nil: lines.append("  scanning  OFF: uploads are not virus-scanned (set CLAMAV_SOCKET or CLAMAV_HOST)")
        case .unixSocket(let path): lines.append("  scanning  clamd at \(path)")
        case .tcp(let host, let port): lines.append("  scanning  clamd at \(host):\(port)")
        }
        lines.append(runsWorker
            ? "  worker    in this process, \(config.queue.concurrency) jobs at once"
            : "  worker    none here: run `facepipe worker` to process uploads")
        lines.append("  stop      Ctrl-C or SIGTERM (running jobs finish first)")
        return lines.joined(separator: "\n") + "\n"
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
            .standardizedFileURL.path
    }
}
