import FacepipeCore
import PostgresNIO

/// Tells waiters when a pooled connection closes, with one callback on the connection however
/// many calls watch it: NIO cannot remove a callback from a future, so a `closeFuture` callback
/// per query would pile up for as long as the pool keeps the connection (review of c3c02b4).
final class ConnectionCloseWatch: Sendable {
    static let shared = ConnectionCloseWatch()

    private struct Entry {
        var next = 0
        var waiters: [Int: @Sendable () -> Void] = [:]
    }
    private let watched = Locked<[ObjectIdentifier: Entry]>([:])

    /// Calls `handler` once if `connection` closes (at once if it has closed already), unless
    /// the returned function is called first.
    func onClose(of connection: PostgresConnection, _ handler: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        let key = ObjectIdentifier(connection)
        let (id, first) = watched.withLock { all -> (Int, Bool) in
            let first = all[key] == nil
            var entry = all[key] ?? Entry()
            let id = entry.next
            entry.next += 1
            entry.waiters[id] = handler
            all[key] = entry
            return (id, first)
        }
        if first {
            // The entry goes with the connection: a connection that closed already calls back
            // at once, and a later call on it registers afresh.
            connection.closeFuture.whenComplete { _ in
                let waiters = self.watched.withLock { $0.removeValue(forKey: key).map { Array($0.waiters.values) } ?? [] }
                for waiter in waiters { waiter() }
            }
        }
        return { self.watched.withLock { _ = $0[key]?.waiters.removeValue(forKey: id) } }
    }
}
