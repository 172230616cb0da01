import Foundation
import Logging
import Metrics
import Prometheus

/// Process-wide logging and metrics set-up. swift-log and swift-metrics allow one bootstrap
/// per process, so both are idempotent here (tests build many applications in one process).
public enum Observability {
    public enum LogFormat: Sendable { case json, text }

    /// The registry /metrics renders.
    public static var registry: PrometheusCollectorRegistry { PrometheusMetricsFactory.defaultRegistry }

    public static func bootstrapLogging(level: Logger.Level, format: LogFormat) {
        _ = loggingOnce
        LoggingSettings.shared.configure(level: level, format: format)
    }

    public static func bootstrapMetrics() {
        _ = metricsOnce
    }

    private static let metricsOnce: Void = {
        var factory = PrometheusMetricsFactory(registry: PrometheusMetricsFactory.defaultRegistry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
            .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)
    }()

    private static let loggingOnce: Void = {
        LoggingSystem.bootstrap { label in
            let settings = LoggingSettings.shared.current
            switch settings.format {
            case .json: return JSONLogHandler(label: label, level: settings.level)
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = settings.level
                return handler
            }
        }
    }()
}

/// Level and format chosen by configuration; read when a logger is made.
final class LoggingSettings: @unchecked Sendable {
    static let shared = LoggingSettings()
    private let lock = NSLock()
    private var state: (level: Logger.Level, format: Observability.LogFormat) = (.info, .json)

    var current: (level: Logger.Level, format: Observability.LogFormat) { lock.withLock { state } }
    func configure(level: Logger.Level, format: Observability.LogFormat) { lock.withLock { state = (level, format) } }
}
