import FacepipeCore
import Foundation
import Testing

/// The near-duplicate rule as data: weak hashes never link (one image at the floor, the other at
/// 4/5 of it at least), both deciding hashes must agree,
/// and the settings that tuned aHash/dHash are refused rather than ignored.
@Suite struct DuplicateRuleTests {
    static func hashes(phash: UInt64, pdqWord: UInt64, quality: Int = 100, ahash: UInt64 = 0) -> ImageHashes {
        ImageHashes(ahash: ahash, dhash: 0, phash: phash, pdq: PDQHash(word0: pdqWord, word1: 0, word2: 0, word3: 0), pdqQuality: quality)
    }

    @Test func linksOnlyWhenPDQAndPHashBothAgreeOnStrongHashes() throws {
        let rule = DuplicateRule(minQuality: 50, pdq: 60, phash: 8)
        let base = Self.hashes(phash: 0, pdqWord: 0)
        // pHash 8 bits and PDQ 60 bits apart: at the edge, a link with confidence 0.5.
        let edge = try #require(rule.evidence(base, Self.hashes(phash: 0xff, pdqWord: (1 << 60) - 1)))
        #expect(edge.distances.phash == 8)
        #expect(edge.distances.pdq == 60)
        #expect(edge.confidence == 0.5)
        let similarity: Double = 1 - 8.0 / 64
        #expect(edge.similarity == similarity)
        #expect(rule.evidence(base, base)?.confidence == 1)
        // One more bit on either hash, and no link.
        #expect(rule.evidence(base, Self.hashes(phash: 0x1ff, pdqWord: 0)) == nil)
        #expect(rule.evidence(base, Self.hashes(phash: 0, pdqWord: (1 << 61) - 1)) == nil)
        // aHash and dHash agreeing perfectly while pHash does not: no link.
        #expect(rule.evidence(base, Self.hashes(phash: .max, pdqWord: 0)) == nil)
        // Identical but weak (a flat or blank image): no link, whichever side is weak.
        #expect(rule.weakerQuality == 40)
        #expect(rule.evidence(Self.hashes(phash: 0, pdqWord: 0, quality: 39), base) == nil)
        #expect(rule.evidence(base, Self.hashes(phash: 0, pdqWord: 0, quality: 0)) == nil)
        // Both below the floor, though each would do as the weaker of a pair: no link.
        let dim = Self.hashes(phash: 0, pdqWord: 0, quality: 49)
        #expect(rule.evidence(dim, dim) == nil)
        #expect(!rule.isStrong(dim) && rule.mayLink(dim))
        // A darker copy of a photo at the floor scores 4/5 of it: it links to the photo, either way round.
        let photo = Self.hashes(phash: 0, pdqWord: 0, quality: 50), darker = Self.hashes(phash: 0, pdqWord: 1, quality: 40)
        #expect(rule.evidence(photo, darker) != nil && rule.evidence(darker, photo) != nil)
    }

    @Test func settingsChooseTheRuleAndRetiredOnesAreRefused() throws {
        #expect(try ProcessingConfig(from: DictionaryConfigSource([:])).duplicates == DuplicateRule())
        let custom = try ProcessingConfig(from: DictionaryConfigSource([
            "DUPLICATE_MIN_QUALITY": "70", "DUPLICATE_MAX_DISTANCE_PDQ": "31", "DUPLICATE_MAX_DISTANCE_PHASH": "6",
        ]))
        #expect(custom.duplicates == DuplicateRule(minQuality: 70, pdq: 31, phash: 6))
        for retired in ["DUPLICATE_MAX_DISTANCE", "DUPLICATE_MAX_DISTANCE_AHASH", "DUPLICATE_MAX_DISTANCE_DHASH"] {
            #expect(throws: ConfigError.self, "\(retired)") { try ProcessingConfig(from: DictionaryConfigSource([retired: "10"])) }
        }
        #expect(throws: ConfigError.self) { try ProcessingConfig(from: DictionaryConfigSource(["DUPLICATE_MAX_DISTANCE_PHASH": "40"])) }
    }

    /// Which stored sets a lookup may meet, as data: every extra pairing is one more chance for
    /// unrelated images to agree, so an upper part meets only upper parts and a centre only whole
    /// images; the pair says which parts agreed.
    @Test func regionsMeetOnlyTheSetsTheyCanBe() throws {
        #expect(LookupKey.ownMeets == [.own, .region(.content), .region(.centre)])
        #expect(LookupKey.Transform.region(.centre).meets == [.own])
        #expect(LookupKey.Transform.region(.upper).meets == [.region(.upper)])
        #expect(LookupKey.Transform.mirrored.meets == [.own, .region(.content)])
        #expect(MatchedBy(query: nil, stored: .own) == .own)
        #expect(MatchedBy(query: nil, stored: .region(.centre)) == .cropped)
        #expect(MatchedBy(query: .region(.centre), stored: .own) == .cropped)
        #expect(MatchedBy(query: .region(.upper), stored: .region(.upper)) == .captioned)
        #expect(MatchedBy(query: .mirrored, stored: .region(.content)) == .mirrored)

        // Stored as an object named by region; a region this version does not know is skipped.
        let (centre, upper) = (Self.hashes(phash: 1, pdqWord: 2), Self.hashes(phash: 3, pdqWord: 4))
        let fingerprint = ImageFingerprint(hashes: Self.hashes(phash: 0, pdqWord: 0), regions: [.centre: centre, .upper: upper])
        let json = try #require(fingerprint.regionsJSON)
        #expect(ImageFingerprint.regions(fromJSON: json) == fingerprint.regions)
        let later = json.replacingOccurrences(of: "\"upper\"", with: "\"later\"")
        #expect(ImageFingerprint.regions(fromJSON: later) == [.centre: centre])
        #expect(ImageFingerprint(hashes: centre).regionsJSON == nil)
        #expect(fingerprint.regionKeys.map(\.transform) == [.region(.centre), .region(.upper)])
    }
}
