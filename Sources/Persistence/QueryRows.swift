import PostgresNIO

/// The rows of one `DatabaseClient.query`, read to the end before the call returned: the
/// connection is back in the pool by then, so a caller that drops the rows unread holds
/// nothing. Iterates and decodes like PostgresNIO's `PostgresRowSequence` (its `decode` is
/// defined on every sequence of `PostgresRow`).
public struct QueryRows: AsyncSequence, Sendable {
    public typealias Element = PostgresRow
    public let rows: [PostgresRow]

    init(_ rows: [PostgresRow]) { self.rows = rows }

    public func collect() async throws -> [PostgresRow] { rows }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rows: rows) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var rows: [PostgresRow]
        var index = 0

        public mutating func next() async throws -> PostgresRow? {
            guard index < rows.count else { return nil }
            defer { index += 1 }
            return rows[index]
        }
    }
}
