import Foundation
import Logging

/// One JSON object per line on stderr: `{"ts","level","msg","logger",...metadata}`.
/// Log shippers parse it without configuration; `request_id` and `job_id` arrive as fields.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        var line = "{\"ts\":\(Self.quote(Self.timestamp())),\"level\":\(Self.quote(event.level.rawValue))"
        line += ",\"msg\":\(Self.quote(event.message.description)),\"logger\":\(Self.quote(label))"
        for key in fields.keys.sorted() where !["ts", "level", "msg", "logger"].contains(key) {
            line += ",\(Self.quote(key)):\(Self.json(fields[key]!))"
        }
        line += "}\n"
        Self.write(line)
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): quote(text)
        case .stringConvertible(let convertible): quote(convertible.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let entries):
            "{" + entries.keys.sorted().map { quote($0) + ":" + json(entries[$0]!) }.joined(separator: ",") + "}"
        }
    }

    /// JSON string literal with the escapes RFC 8259 requires.
    static func quote(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().timeZone(separator: .omitted).time(includingFractionalSeconds: true).timeSeparator(.colon).dateSeparator(.dash))
    }

    private static let lock = NSLock()
    static func write(_ line: String) {
        lock.withLock { FileHandle.standardError.write(Data(line.utf8)) }
    }
}
