import Testing

@testable import Storage

@Suite struct ByteRangeTests {
    @Test func parsesTheThreeForms() {
        #expect(ByteRange(header: "bytes=0-9") == .closed(first: 0, last: 9))
        #expect(ByteRange(header: "bytes=100-") == .from(first: 100))
        #expect(ByteRange(header: "bytes=-500") == .suffix(count: 500))
    }

    @Test(arguments: ["bytes=9-0", "bytes=0-1,5-6", "items=0-9", "bytes=-", "bytes=a-b", "bytes=+1-2", "bytes=0--1", ""])
    func ignoresWhatItCannotServe(header: String) {
        #expect(ByteRange(header: header) == nil)
    }

    @Test func resolvesAgainstASize() {
        #expect(ByteRange.closed(first: 0, last: 9).resolved(size: 100) == 0...9)
        #expect(ByteRange.closed(first: 90, last: 200).resolved(size: 100) == 90...99)
        #expect(ByteRange.closed(first: 100, last: 200).resolved(size: 100) == nil)
        #expect(ByteRange.from(first: 99).resolved(size: 100) == 99...99)
        #expect(ByteRange.from(first: 100).resolved(size: 100) == nil)
        #expect(ByteRange.suffix(count: 10).resolved(size: 100) == 90...99)
        #expect(ByteRange.suffix(count: 1000).resolved(size: 100) == 0...99)
        #expect(ByteRange.suffix(count: 0).resolved(size: 100) == nil)
        #expect(ByteRange.from(first: 0).resolved(size: 0) == nil)
    }

    @Test func roundTripsThroughTheHeader() {
        for range in [ByteRange.closed(first: 3, last: 7), .from(first: 5), .suffix(count: 2)] {
            #expect(ByteRange(header: range.headerValue) == range)
        }
    }
}
