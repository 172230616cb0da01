import FacepipeCore
import Foundation
import Persistence

/// In-memory near-duplicate search over every finished image's hashes (a popcount scan takes
/// milliseconds at a million images; see `facepipe bench imaging`). Each worker process keeps its
/// own copy and tops it up from the database before every lookup, so images finished by other
/// workers are found too.
public actor DuplicateIndex {
    private var indexes: [HashType: HashIndex] = [.ahash: HashIndex(), .dhash: HashIndex(), .phash: HashIndex()]
    private var pdq = PDQHashIndex()
    private var watermark: Date?
    private var erasureWatermark: Date?
    private let thresholds: DuplicateThresholds

    public init(thresholds: DuplicateThresholds) {
        self.thresholds = thresholds
    }

    public var count: Int { pdq.count }

    /// Loads hashes of images finished since the last refresh and drops images erased since
    /// then (on every worker: a later upload must not link to an erased image).
    public func refresh(from repository: ProcessingRepository, erasures: ErasureRepository) async throws {
        let fresh = try await repository.hashes(processedAfter: watermark)
        for row in fresh { insert(row.id, row.hashes) }
        if let last = fresh.last?.processedAt { watermark = last }
        let erased = try await erasures.erased(since: erasureWatermark)
        for item in erased { remove(item.imageID) }
        if let last = erased.last?.at { erasureWatermark = last }
    }

    public func insert(_ id: UUID, _ hashes: ImageHashes) {
        indexes[.ahash]?.insert(id: id, hash: hashes.ahash)
        indexes[.dhash]?.insert(id: id, hash: hashes.dhash)
        indexes[.phash]?.insert(id: id, hash: hashes.phash)
        pdq.insert(id: id, hash: hashes.pdq)
    }

    public func remove(_ id: UUID) {
        for type in [HashType.ahash, .dhash, .phash] { indexes[type]?.remove(id: id) }
        pdq.remove(id: id)
    }

    /// Every other image within the threshold of any hash type, by the image's own hashes and
    /// by each lookup key (a copy found through the mirrored key is marked as such). One match
    /// per (image, hash type): the closest.
    public func matches(for hashes: ImageHashes, keys: [LookupKey] = [], excluding id: UUID) -> [DuplicateMatch] {
        var best: [String: DuplicateMatch] = [:]
        let queries = [(hashes, Set(HashType.allCases), false)] + keys.map { ($0.hashes, $0.types, $0.transform == .mirrored) }
        for (query, types, isMirror) in queries {
            for match in direct(query, types: types, excluding: id) {
                var match = match
                match.mirrored = isMirror
                let key = "\(match.otherImageID)-\(match.hashType.rawValue)"
                if let known = best[key], known.distance <= match.distance { continue }
                best[key] = match
            }
        }
        return best.values.sorted { ($0.distance, $0.otherImageID.uuidString) < ($1.distance, $1.otherImageID.uuidString) }
    }

    private func direct(_ hashes: ImageHashes, types: Set<HashType>, excluding id: UUID) -> [DuplicateMatch] {
        var found: [DuplicateMatch] = []
        let values: [(HashType, UInt64)] = [(.phash, hashes.phash), (.dhash, hashes.dhash), (.ahash, hashes.ahash)]
        for (type, value) in values where types.contains(type) {
            for match in indexes[type]?.query(value, maxDistance: thresholds.limit(for: type)) ?? [] where match.id != id {
                found.append(DuplicateMatch(otherImageID: match.id, hashType: type, distance: match.distance))
            }
        }
        for match in pdq.query(hashes.pdq, maxDistance: thresholds.pdq) where match.id != id && types.contains(.pdq) {
            found.append(DuplicateMatch(otherImageID: match.id, hashType: .pdq, distance: match.distance))
        }
        return found
    }
}
