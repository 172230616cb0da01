import FacepipeCore
import Foundation
import Hummingbird

/// The fields of an `application/x-www-form-urlencoded` body (every page form), read with a
/// size bound. Later duplicates of a name replace earlier ones in `subscript`; `all` keeps them
/// all (ticked checkboxes sharing a name).
struct FormFields: Sendable {
    private(set) var values: [String: String] = [:]
    private var every: [String: [String]] = [:]

    subscript(_ name: String) -> String? { values[name] }

    /// Every value given for `name`, in order.
    func all(_ name: String) -> [String] { every[name] ?? [] }

    static func read(_ request: Request, context: some RequestContext) async throws -> FormFields {
        let body = try await request.body.collect(upTo: 64 << 10)
        return FormFields(parsing: String(buffer: body))
    }

    init(parsing text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first else { continue }
            let value = parts.count > 1 ? decode(parts[1]) : ""
            values[decode(name)] = value
            every[decode(name), default: []].append(value)
        }
    }

    /// The value, trimmed, or nil when absent or empty.
    func text(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}
