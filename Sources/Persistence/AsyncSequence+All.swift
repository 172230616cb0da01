/// Every element of a (short) query result, for the statements that read a handful of rows.
extension AsyncSequence where Self: Sendable {
    public func all() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}
