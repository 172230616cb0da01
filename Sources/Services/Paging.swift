import FacepipeCore

/// The paging rules every list shares: a bounded `limit`, an opaque `cursor`, and one row more
/// than asked for to know whether another page exists.
enum Paging {
    static func check(limit: Int, max: Int) throws {
        guard (1...max).contains(limit) else { throw APIError.badRequest("limit must be between 1 and \(max)", code: "invalid_limit") }
    }

    /// A cursor that is the last row's id (lists newest first by a serial id).
    static func id(_ cursor: String?) throws -> Int64? {
        guard let cursor else { return nil }
        guard let id = Int64(cursor), id > 0 else { throw APIError.badRequest("invalid cursor", code: "invalid_cursor") }
        return id
    }

    /// The page of `rows` (fetched with `limit + 1`) and the cursor after it, if there is more.
    static func page<Row>(_ rows: [Row], limit: Int, cursor: (Row) -> String) -> (items: [Row], next: String?) {
        let items = Array(rows.prefix(limit))
        return (items, rows.count > limit ? items.last.map(cursor) : nil)
    }
}
