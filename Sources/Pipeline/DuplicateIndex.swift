import FacepipeCore
import Foundation
import Persistence

/// In-memory near-duplicate search over every finished image's hashes (`DuplicateHashIndex`: a
/// lookup with eight variants takes a few milliseconds at 10M images; see `facepipe bench
/// duplicate-lookup`). Each worker process keeps its
/// own copy and tops it up from the database before every lookup, so images finished by other
/// workers are found too.
///
/// Each image is indexed by its own hashes and by its regions' (`ImageFingerprint`: the content
/// inside a frame, the centre, the upper part), one hash index per stored set. A lookup judges the
/// image's own hashes and each lookup key only against the stored sets they can meet
/// (`LookupKey.ownMeets`, `LookupKey.Transform.meets`): every extra comparison is one more chance
/// for two unrelated images to agree. Candidates come from the hash indexes (within the rule's
/// pHash and PDQ distances); each is then judged by the whole `DuplicateRule`. Hash sets too weak to link even
/// as the weaker of a pair (`DuplicateRule.mayLink`) are not indexed at all.
public actor DuplicateIndex {
    private var sets: Sets
    private var watermark: Date?
    private var erasureWatermark: Date?
    public nonisolated let rule: DuplicateRule

    public init(rule: DuplicateRule = DuplicateRule()) {
        self.rule = rule
        self.sets = Sets(rule: rule)
    }

    /// Images that can link (`DuplicateRule.mayLink`).
    public var count: Int { sets.count }

    /// Loads hashes of images (re)hashed since the last refresh and drops images erased since
    /// then (on every worker: a later upload must not link to an erased image).
    public func refresh(from repository: ProcessingRepository, erasures: ErasureRepository) async throws {
        let fresh = try await repository.hashes(hashedAfter: watermark)
        for row in fresh { sets.insert(row.id, row.fingerprint) }
        if let last = fresh.last?.hashedAt { watermark = last }
        let erased = try await erasures.erased(since: erasureWatermark)
        for item in erased { sets.remove(item.imageID) }
        if let last = erased.last?.at { erasureWatermark = last }
    }

    /// Adds or replaces the image's hashes (sets that became weak leave the index).
    public func insert(_ id: UUID, _ fingerprint: ImageFingerprint) { sets.insert(id, fingerprint) }

    public func remove(_ id: UUID) { sets.remove(id) }

    /// See `Sets.matches(for:keys:excluding:)`.
    public func matches(for hashes: ImageHashes, keys: [LookupKey] = [], excluding id: UUID) -> [DuplicateMatch] {
        sets.matches(for: hashes, keys: keys, excluding: id)
    }

    /// The index itself, without the refreshing: one hash index per stored set.
    public struct Sets: Sendable {
        private var indexes: [StoredSet: DuplicateHashIndex] = [:]
        private var stored: [UUID: ImageFingerprint] = [:]
        public let rule: DuplicateRule

        public init(rule: DuplicateRule) {
            self.rule = rule
        }

        public var count: Int { stored.count }

        /// Adds or replaces the image's hashes (sets that became weak leave the index).
        public mutating func insert(_ id: UUID, _ fingerprint: ImageFingerprint) {
            remove(id)
            var any = false
            for set in [StoredSet.own] + ImageRegion.allCases.map(StoredSet.region) {
                guard let hashes = fingerprint[set], rule.mayLink(hashes) else { continue }
                indexes[set, default: DuplicateHashIndex()].insert(id: id, phash: hashes.phash, pdq: hashes.pdq)
                any = true
            }
            if any { stored[id] = fingerprint }
        }

        public mutating func remove(_ id: UUID) {
            guard stored.removeValue(forKey: id) != nil else { return }
            // Over a copy of the keys: a loop over `indexes.keys` holds the dictionary while the
            // body mutates it, so each removal copied every set's whole index (166 ms at 1M
            // images; `facepipe bench duplicate-lookup`).
            for set in Array(indexes.keys) { indexes[set]?.remove(id: id) }
        }

        /// Every other image the rule links to this one, by the image's own hashes and by each
        /// lookup key against the stored sets it meets (the match says which: `MatchedBy`): one
        /// match per image, the most confident, most confident first.
        public func matches(for hashes: ImageHashes, keys: [LookupKey] = [], excluding id: UUID) -> [DuplicateMatch] {
            var best: [UUID: DuplicateMatch] = [:]
            let queries = [(hashes, nil as LookupKey.Transform?, LookupKey.ownMeets)] + keys.map { ($0.hashes, $0.transform, $0.transform.meets) }
            for (query, transform, sets) in queries where rule.mayLink(query) {
                for set in sets {
                    guard let index = indexes[set] else { continue }
                    for candidate in index.query(phash: query.phash, pdq: query.pdq, maxPHash: rule.phash, maxPDQ: rule.pdq)
                    where candidate.id != id {
                        guard let other = stored[candidate.id]?[set], let evidence = rule.evidence(query, other) else { continue }
                        if let known = best[candidate.id], known.confidence >= evidence.confidence { continue }
                        best[candidate.id] = DuplicateMatch(otherImageID: candidate.id, evidence: evidence,
                                                            matchedBy: MatchedBy(query: transform, stored: set))
                    }
                }
            }
            return best.values.sorted { ($1.confidence, $0.otherImageID.uuidString) < ($0.confidence, $1.otherImageID.uuidString) }
        }
    }
}
