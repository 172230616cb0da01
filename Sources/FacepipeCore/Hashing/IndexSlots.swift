import Foundation

/// The id half of a hash index: ids in slot order plus id → slot, with O(1) swap-remove.
/// The owning index keeps its hashes in a parallel array and mirrors every move.
struct IndexSlots: Sendable {
    private(set) var ids: [UUID] = []
    private var slotByID: [UUID: Int] = [:]

    var count: Int { ids.count }

    func slot(of id: UUID) -> Int? { slotByID[id] }

    /// Adds `id` at the end and returns its slot. `id` must not be present.
    mutating func append(_ id: UUID) -> Int {
        let slot = ids.count
        ids.append(id)
        slotByID[id] = slot
        return slot
    }

    /// Removes `id` by moving the last id into its slot. Returns that slot; the caller
    /// must do the same move (last → slot, then drop last) on its hash storage.
    mutating func remove(_ id: UUID) -> Int? {
        guard let slot = slotByID.removeValue(forKey: id) else { return nil }
        let last = ids.removeLast()
        if slot < ids.count {
            ids[slot] = last
            slotByID[last] = slot
        }
        return slot
    }

    mutating func reserveCapacity(_ capacity: Int) {
        ids.reserveCapacity(capacity)
        slotByID.reserveCapacity(capacity)
    }
}
