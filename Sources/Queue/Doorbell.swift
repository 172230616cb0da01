/// Wakes the worker loop: rung by NOTIFY, by a finished job (a free slot) and by shutdown.
/// Rings while nobody waits are remembered once, so a wake-up is never lost.
actor Doorbell {
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?

    /// Someone waits and no ring is pending: only the next ring (or the timeout) wakes them.
    var isWaiting: Bool { waiter != nil }

    func ring() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            pending = true
        }
    }

    /// Returns at the next ring, or after `timeout`.
    func wait(timeout: Duration) async {
        if pending {
            pending = false
            return
        }
        let timer = Task { [weak self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }  // cancelled: woken already
            await self?.ring()
        }
        await withCheckedContinuation { waiter = $0 }
        timer.cancel()
        pending = false
    }
}
