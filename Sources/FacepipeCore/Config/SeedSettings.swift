
/// The seeds' setting names (seed 000 and seed 002), read as the seeds mean them (issue 24).
///
/// A client deployed from the seeds sets `ENABLE_FACE_DETECTION`, `MAX_UPLOAD_MB` and so on; each
/// is either an alias of facepipe's own name (read through `SeedSettingsSource`), checked against
/// what facepipe can do (`FACE_DETECTION_MODEL`, `FACE_EMBEDDING_DIM`: a value it cannot honour
/// stops the start with a reason), or read in the seed's unit (`IMAGE_PROCESSING_TIMEOUT`, in
/// milliseconds). Names facepipe does not read at all are reported at start-up (`unread`),
/// never silently ignored. `FACE_DETECTION_MODEL` and `FACE_EMBEDDING_DIM` are checked by
/// `FaceConfig`.
public enum SeedSettings {
    /// Seed name → facepipe's name for the same setting, with the same values.
    public static let aliases: [String: String] = [
        "ENABLE_FACE_DETECTION": "FACE_DETECTION",
        "IMAGE_THUMBNAIL_QUALITY": "THUMBNAIL_QUALITY",
        "MAX_UPLOAD_MB": "IMAGE_MAX_SIZE_MB",
    ]

    /// Seed settings for parts facepipe does not have, and what it uses instead: reported at
    /// start-up when set.
    public static let replaced: [String: String] = [
        "REDIS_URL": "the job queue lives in PostgreSQL (DATABASE_URL); no Redis is used",
        "QUEUE_CONCURRENCY": "use PROCESSOR_CONCURRENCY",
        "MINIO_ENDPOINT": "use S3_ENDPOINT",
        "MINIO_ACCESS_KEY": "use S3_ACCESS_KEY",
        "MINIO_SECRET_KEY": "use S3_SECRET_KEY",
        "MINIO_BUCKET": "use S3_BUCKET",
        "PORT": "use HTTP_PORT",
        "HOST": "use HTTP_HOST",
    ]

    /// Both names of an aliased setting set to different values: which one wins would be a guess.
    public static func checkAliases(_ source: some ConfigSource) throws {
        for (seed, own) in aliases.sorted(by: { $0.key < $1.key }) {
            if let a = source.value(seed), let b = source.value(own), a.lowercased() != b.lowercased() {
                throw ConfigError(variable: seed, value: a,
                                  expected: "the same value as \(own)=\"\(b)\" (both name one setting; set only one)")
            }
        }
    }

    /// Environment names that look like settings (upper case with an underscore, under a prefix
    /// facepipe or the seeds use) but that no part of the configuration asked for.
    public static func unread(_ names: some Sequence<String>, asked: Set<String>) -> [String] {
        names.filter { name in
            !asked.contains(name) && aliases[name] == nil
                && (replaced[name] != nil || prefixes.contains { name.hasPrefix($0) })
        }.sorted()
    }

    /// What the start-up warning says about `name`.
    public static func advice(for name: String) -> String {
        replaced[name] ?? "facepipe does not read this setting (unknown or legacy name); see the README's Configuration"
    }

    static let prefixes = [
        "ADMIN_", "ANONYMIZE_", "AUTH_", "CLAMAV_", "DATABASE_", "DOCUMENT_", "DUPLICATE_", "EMBEDDED_PG_", "ENABLE_", "ERASED_",
        "FACE_", "HTTP_", "IMAGE_", "JOB_", "LOG_", "MAX_", "MEDIA_", "METRICS_", "PROCESSOR_", "PUBLIC_", "QUEUE_", "RATE_LIMIT_",
        "S3_", "THUMBNAIL_", "UPLOAD_", "WEBHOOK_", "WORKER_",
    ]
}

/// Answers facepipe's names from the seeds' names when only those are set, and remembers every
/// name asked for (what `SeedSettings.unread` compares the environment with).
public final class SeedSettingsSource<Base: ConfigSource>: ConfigSource {
    let base: Base
    private let asked = Locked<Set<String>>([])

    public init(_ base: Base) { self.base = base }

    public func string(_ name: String) -> String? {
        asked.withLock { _ = $0.insert(name) }
        if let value = base.string(name) { return value }
        guard let seed = SeedSettings.aliases.first(where: { $0.value == name })?.key else { return nil }
        asked.withLock { _ = $0.insert(seed) }
        return base.string(seed)
    }

    /// Every name read so far.
    public var names: Set<String> { asked.withLock { $0 } }
}
