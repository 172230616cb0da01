import FacepipeCore
import Foundation
import Logging
import Scanning
import Server
import Storage

/// Builds the media store, URL signer and virus scanner from configuration.
enum MediaRuntime {
    static func makeStore(_ config: MediaConfig, logger: Logger) async throws -> any MediaStore {
        switch config.backend {
        case .local(let root):
            let url = URL(fileURLWithPath: root, isDirectory: true, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            logger.info("media stored locally", metadata: ["root": "\(url.standardizedFileURL.path)"])
            return try LocalMediaStore(root: url.standardizedFileURL)
        case .s3(let s3):
            guard let endpoint = URL(string: s3.endpoint) else {
                throw ConfigError(variable: "S3_ENDPOINT", value: s3.endpoint, expected: "a URL")
            }
            let store = try S3MediaStore(
                config: S3Config(endpoint: endpoint, bucket: s3.bucket, region: s3.region, accessKeyID: s3.accessKey,
                                 secretAccessKey: s3.secretKey, usePathStyle: s3.pathStyle),
                logger: logger)
            try await store.createBucketIfMissing()
            logger.info("media stored in S3", metadata: ["endpoint": "\(s3.endpoint)", "bucket": "\(s3.bucket)"])
            return store
        }
    }

    /// MEDIA_SIGNING_SECRET, or a random key created once under .data so links survive restarts.
    static func signingSecret(_ config: MediaConfig, keyFile: String = ".data/media-signing.key", logger: Logger) throws -> [UInt8] {
        if let secret = config.signingSecret { return Array(secret.utf8) }
        let url = URL(fileURLWithPath: keyFile)
        if let existing = try? String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           existing.utf8.count >= 32
        {
            return Array(existing.utf8)
        }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // 0600 from the first byte: this key is what every media link's signature rests on.
        guard FileManager.default.createFile(atPath: url.path, contents: Data(key.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigError(variable: "MEDIA_SIGNING_SECRET", value: "", expected: "a writable \(url.path) to keep a generated key in")
        }
        logger.notice("created a media URL signing key; set MEDIA_SIGNING_SECRET to share one between instances",
                      metadata: ["file": "\(url.path)"])
        return Array(key.utf8)
    }

    static func makeLinks(_ config: MediaConfig, http: HTTPConfig, logger: Logger) throws -> MediaLinks {
        let signer = try URLSigner(secret: try signingSecret(config, logger: logger))
        return MediaLinks(signer: signer, baseURL: config.publicBaseURL,
                          fallbackBaseURL: MediaLinks.localBaseURL(host: http.host, port: http.port), ttlSeconds: config.urlTTLSeconds)
    }

    static func makeScanner(_ config: ScannerConfig, logger: Logger) -> ClamdScanner? {
        guard let endpoint = config.endpoint else {
            logger.warning("virus scanning is OFF: set CLAMAV_SOCKET or CLAMAV_HOST to scan uploads with clamd")
            return nil
        }
        let clamd: ClamdEndpoint = switch endpoint {
        case .unixSocket(let path): .unixSocket(path: path)
        case .tcp(let host, let port): .tcp(host: host, port: port)
        }
        logger.info("virus scanning with clamd", metadata: ["endpoint": "\(clamd)"])
        return ClamdScanner(.init(endpoint: clamd, scanTimeout: .seconds(config.timeoutSeconds)), logger: logger)
    }

    static func scannerHealth(_ scanner: ClamdScanner?) -> @Sendable () async -> ServerDependencies.ScannerHealth {
        guard let scanner else { return { .init(status: "off", detail: "no scanner configured") } }
        return {
            do {
                try await scanner.ping()
                return .init(status: "up")
            } catch {
                return .init(status: "down", detail: "\(error)")
            }
        }
    }
}
