import Foundation

/// One result of a duplicate lookup: a stored id and its Hamming distance to the query.
public struct HashMatch: Sendable, Hashable {
    public var id: UUID
    public var distance: Int

    public init(id: UUID, distance: Int) {
        self.id = id
        self.distance = distance
    }
}

extension HashMatch {
    /// Orders matches nearest first. Distances are small integers, so a counting sort
    /// is linear and keeps equal distances in scan order.
    static func sortedByDistance(_ matches: [HashMatch], maxDistance: Int) -> [HashMatch] {
        guard matches.count > 1 else { return matches }
        var counts = [Int](repeating: 0, count: maxDistance + 2)
        for match in matches { counts[match.distance + 1] += 1 }
        for d in 1..<counts.count { counts[d] += counts[d - 1] }
        var sorted = matches
        for match in matches {
            sorted[counts[match.distance]] = match
            counts[match.distance] += 1
        }
        return sorted
    }
}
