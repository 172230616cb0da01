import Foundation

/// Where settings come from, by their environment-variable name (e.g. `HTTP_PORT`).
///
/// The executable adapts swift-configuration's reader chain (CLI over environment over `.env`)
/// to this; tests pass a dictionary. Keeping Core free of the reader keeps parsing testable.
public protocol ConfigSource: Sendable {
    func string(_ name: String) -> String?
}

/// A fixed set of values, for tests and for tools that build configuration in code.
public struct DictionaryConfigSource: ConfigSource {
    public var values: [String: String]
    public init(_ values: [String: String]) { self.values = values }
    public func string(_ name: String) -> String? { values[name] }
}

/// A setting that is present but unusable. The message names the variable so that a bad
/// deployment fails at start with something a person can act on.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let value: String
    public let expected: String
    public init(variable: String, value: String, expected: String) {
        self.variable = variable
        self.value = value
        self.expected = expected
    }
    public var description: String {
        "invalid configuration: \(variable)=\"\(value)\" (expected \(expected))"
    }
}

extension ConfigSource {
    /// The trimmed value, with empty strings treated as unset.
    public func value(_ name: String) -> String? {
        guard let raw = string(name)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    public func string(_ name: String, default fallback: String) -> String {
        value(name) ?? fallback
    }

    public func int(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = value(name) else { return fallback }
        guard let parsed = Int(raw), range.contains(parsed) else {
            throw ConfigError(variable: name, value: raw, expected: "an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return parsed
    }

    public func double(_ name: String, default fallback: Double, range: ClosedRange<Double>) throws -> Double {
        guard let raw = value(name) else { return fallback }
        guard let parsed = Double(raw), parsed.isFinite, range.contains(parsed) else {
            throw ConfigError(variable: name, value: raw, expected: "a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return parsed
    }

    public func bool(_ name: String, default fallback: Bool) throws -> Bool {
        guard let raw = value(name) else { return fallback }
        switch raw.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigError(variable: name, value: raw, expected: "true or false")
        }
    }

    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, default fallback: T) throws -> T
    where T.RawValue == String {
        guard let raw = value(name) else { return fallback }
        guard let parsed = T(rawValue: raw.lowercased()) else {
            throw ConfigError(variable: name, value: raw, expected: "one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return parsed
    }
}
