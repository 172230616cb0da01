import CVips
import FacepipeCore
import Logging

/// Routes libvips' GLib log messages (domain "VIPS") to a swift-log Logger
/// instead of stderr. libvips warns about user data (e.g. one line per
/// damaged tile of a truncated PNG), so warnings are logged at debug level.
enum VipsLog {
    private static let logger = Locked<Logger?>(nil)

    static func setLogger(_ newValue: Logger?) {
        logger.withLock { $0 = newValue }
    }

    /// Called by the C log handler, on any thread.
    static let forward: cvips_log_fn = { level, message in
        guard let message, let logger = VipsLog.logger.withLock({ $0 }) else { return }
        let text = String(cString: message)
        switch level {
        case 0: logger.warning("libvips: \(text)")
        case 1: logger.debug("libvips: \(text)")
        default: logger.trace("libvips: \(text)")
        }
    }
}
