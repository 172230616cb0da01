import FacepipeCore
import Foundation
import Pipeline
import Testing

/// The duplicate index pairs each lookup only with the stored sets it can meet
/// (`LookupKey.Transform.meets`): a captioned copy meets its original through the upper parts,
/// a cropped one through the centre, and a region never stands in for a whole picture it is
/// not.
@Suite struct DuplicateIndexTests {
    /// Hashes that differ from `base` by `bits` bits of PDQ and pHash each.
    static func hashes(_ base: UInt64, bits: Int = 0) -> ImageHashes {
        let flip: UInt64 = bits == 0 ? 0 : (1 << UInt64(bits)) - 1
        return ImageHashes(ahash: 0, dhash: 0, phash: base ^ flip,
                           pdq: PDQHash(word0: base ^ flip, word1: base, word2: base, word3: base), pdqQuality: 100)
    }

    static let (photo, centre, upper) = (UInt64(0x0123_4567_89ab_cdef), UInt64(0xfedc_ba98_7654_3210), UInt64(0x0f0f_0f0f_f0f0_f0f0))
    static let stored = UUID(), lookingUp = UUID()

    static func index() -> DuplicateIndex.Sets {
        var index = DuplicateIndex.Sets(rule: DuplicateRule())
        index.insert(stored, ImageFingerprint(hashes: hashes(photo), regions: [.centre: hashes(centre), .upper: hashes(upper)]))
        return index
    }

    @Test func eachLookupMeetsOnlyTheSetsItCanBe() {
        let index = Self.index()
        // A copy cropped to the photo's centre, looked up by its own hashes.
        let cropped = index.matches(for: Self.hashes(Self.centre, bits: 3), excluding: Self.lookingUp)
        #expect(cropped.map(\.matchedBy) == [.cropped])
        #expect(cropped.first?.distances.phash == 3)
        // A captioned copy: its own hashes are far off, its upper part is the photo's.
        let captioned = index.matches(for: Self.hashes(0x5555_5555_5555_5555), keys: [LookupKey(hashes: Self.hashes(Self.upper, bits: 2), transform: .region(.upper))],
                                      excluding: Self.lookingUp)
        #expect(captioned.map(\.matchedBy) == [.captioned])
        // An image that *is* the photo's upper part (not a copy with a caption) does not meet
        // it: an upper part meets only upper parts.
        #expect(index.matches(for: Self.hashes(Self.upper), excluding: Self.lookingUp).isEmpty)
        // A mirrored key never meets a centre.
        #expect(index.matches(for: Self.hashes(0x5555_5555_5555_5555), keys: [LookupKey(hashes: Self.hashes(Self.centre), transform: .mirrored)],
                              excluding: Self.lookingUp).isEmpty)
        // The same image's own hashes: one match, by the own hashes, the most confident.
        #expect(index.matches(for: Self.hashes(Self.photo), keys: [LookupKey(hashes: Self.hashes(Self.centre), transform: .region(.centre))],
                              excluding: Self.lookingUp).map(\.matchedBy) == [.own])
        // Nothing matches itself; an erased image leaves every set.
        #expect(index.matches(for: Self.hashes(Self.photo), excluding: Self.stored).isEmpty)
        var erased = index
        erased.remove(Self.stored)
        #expect(erased.count == 0 && erased.matches(for: Self.hashes(Self.centre), excluding: Self.lookingUp).isEmpty)
    }
}
