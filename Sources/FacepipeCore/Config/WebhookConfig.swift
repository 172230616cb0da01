import Foundation

/// Outgoing webhooks (`image.processed`, …): where to send them and how to sign them.
public struct WebhookConfig: Sendable, Equatable {
    /// Receivers, each an http:// or https:// URL (`WEBHOOK_URLS`, comma-separated).
    /// Empty: webhooks are off.
    public var urls: [String]
    /// HMAC-SHA256 key for `X-Facepipe-Signature` (`WEBHOOK_SECRET`); required when `urls` is not empty.
    public var secret: String?
    /// Time one delivery attempt may take, connect to response (`WEBHOOK_TIMEOUT_SECONDS`).
    public var timeoutSeconds: Int
    /// Attempts per delivery before its job ends `failed` (`WEBHOOK_MAX_ATTEMPTS`).
    public var maxAttempts: Int

    public static let minimumSecretLength = 32

    public init(urls: [String] = [], secret: String? = nil, timeoutSeconds: Int = 10, maxAttempts: Int = 8) {
        self.urls = urls
        self.secret = secret
        self.timeoutSeconds = timeoutSeconds
        self.maxAttempts = maxAttempts
    }

    /// True when at least one receiver is configured.
    public var isEnabled: Bool { !urls.isEmpty }

    public init(from source: some ConfigSource) throws {
        var urls: [String] = []
        if let raw = source.value("WEBHOOK_URLS") {
            for item in raw.split(separator: ",") {
                let url = item.trimmingCharacters(in: .whitespaces)
                guard !url.isEmpty else { continue }
                guard Self.isValidURL(url) else {
                    throw ConfigError(variable: "WEBHOOK_URLS", value: url, expected: "comma-separated http:// or https:// URLs")
                }
                // The same receiver listed twice would get each event once anyway (dedupe key).
                if !urls.contains(url) { urls.append(url) }
            }
        }
        let secret = source.value("WEBHOOK_SECRET")
        try SecretStrength.check(secret, variable: "WEBHOOK_SECRET", minimumLength: Self.minimumSecretLength)
        if !urls.isEmpty && secret == nil {
            throw ConfigError(variable: "WEBHOOK_SECRET", value: "",
                              expected: "at least \(Self.minimumSecretLength) characters (required when WEBHOOK_URLS is set)")
        }
        self.init(
            urls: urls, secret: secret,
            timeoutSeconds: try source.int("WEBHOOK_TIMEOUT_SECONDS", default: 10, range: 1...300),
            maxAttempts: try source.int("WEBHOOK_MAX_ATTEMPTS", default: 8, range: 1...100))
    }

    /// An absolute http(s) URL with a host.
    public static func isValidURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return false }
        return true
    }
}
