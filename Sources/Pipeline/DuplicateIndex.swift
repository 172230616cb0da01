import FacepipeCore
import Foundation
import Persistence

/// In-memory near-duplicate search over every finished image's hashes (a popcount scan takes
/// milliseconds at a million images; see `facepipe bench imaging`). Each worker process keeps its
/// own copy and tops it up from the database before every lookup, so images finished by other
/// workers are found too.
///
/// Each image is indexed by its own hashes and, when it sits in a frame, by its content's
/// (`ImageFingerprint`). Candidates come from the PDQ indexes (within the rule's PDQ distance);
/// each is then judged by the whole `DuplicateRule` against the stored set it came from. Hash
/// sets too weak to link (`DuplicateRule.isStrong`) are not indexed at all.
public actor DuplicateIndex {
    private var own = PDQHashIndex()
    private var content = PDQHashIndex()
    private var stored: [UUID: ImageFingerprint] = [:]
    private var watermark: Date?
    private var erasureWatermark: Date?
    public let rule: DuplicateRule

    public init(rule: DuplicateRule = DuplicateRule()) {
        self.rule = rule
    }

    /// Images that can link (strong hashes).
    public var count: Int { stored.count }

    /// Loads hashes of images (re)hashed since the last refresh and drops images erased since
    /// then (on every worker: a later upload must not link to an erased image).
    public func refresh(from repository: ProcessingRepository, erasures: ErasureRepository) async throws {
        let fresh = try await repository.hashes(hashedAfter: watermark)
        for row in fresh { insert(row.id, row.fingerprint) }
        if let last = fresh.last?.hashedAt { watermark = last }
        let erased = try await erasures.erased(since: erasureWatermark)
        for item in erased { remove(item.imageID) }
        if let last = erased.last?.at { erasureWatermark = last }
    }

    /// Adds or replaces the image's hashes (sets that became weak leave the index).
    public func insert(_ id: UUID, _ fingerprint: ImageFingerprint) {
        remove(id)
        let strong = fingerprint.hashes, framed = fingerprint.content.flatMap { rule.isStrong($0) ? $0 : nil }
        if rule.isStrong(strong) { own.insert(id: id, hash: strong.pdq) }
        if let framed { content.insert(id: id, hash: framed.pdq) }
        if rule.isStrong(strong) || framed != nil { stored[id] = fingerprint }
    }

    public func remove(_ id: UUID) {
        own.remove(id: id)
        content.remove(id: id)
        stored[id] = nil
    }

    /// Every other image the rule links to this one, by the image's own hashes and by each
    /// lookup key (the match says which: `MatchedBy`), against each
    /// image's own and content hashes: one match per image, the most confident, most confident
    /// first.
    public func matches(for hashes: ImageHashes, keys: [LookupKey] = [], excluding id: UUID) -> [DuplicateMatch] {
        var best: [UUID: DuplicateMatch] = [:]
        let queries = [(hashes, MatchedBy.own)] + keys.map { ($0.hashes, MatchedBy($0.transform)) }
        for (query, via) in queries where rule.isStrong(query) {
            for (index, isContent) in [(own, false), (content, true)] {
                for candidate in index.query(query.pdq, maxDistance: rule.pdq) where candidate.id != id {
                    let fingerprint = stored[candidate.id]
                    guard let other = isContent ? fingerprint?.content : fingerprint?.hashes,
                          let evidence = rule.evidence(query, other) else { continue }
                    if let known = best[candidate.id], known.confidence >= evidence.confidence { continue }
                    best[candidate.id] = DuplicateMatch(otherImageID: candidate.id, evidence: evidence,
                                                        matchedBy: isContent && via == .own ? .content : via)
                }
            }
        }
        return best.values.sorted { ($1.confidence, $0.otherImageID.uuidString) < ($0.confidence, $1.otherImageID.uuidString) }
    }
}
