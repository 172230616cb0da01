import FacepipeCore
import Testing

/// A wait is listed while it lasts, with its label, and gone once it ends, thrown or not.
@Suite struct PendingWaitsTests {
    struct Boom: Error {}

    @Test func aWaitIsListedWhileItLastsAndGoneAfter() async throws {
        let label = "test wait \(UInt64.random(in: 0...UInt64.max))"
        let seen = await PendingWaits.track(label) {
            PendingWaits.overdue(after: .zero).contains { $0.label == label }
        }
        #expect(seen)
        #expect(!PendingWaits.overdue(after: .zero).contains { $0.label == label })
        await #expect(throws: Boom.self) {
            try await PendingWaits.track(label) { throw Boom() }
        }
        #expect(!PendingWaits.overdue(after: .zero).contains { $0.label == label })
        // Not yet overdue at a longer age.
        let early = await PendingWaits.track(label) {
            PendingWaits.overdue(after: .seconds(3600)).contains { $0.label == label }
        }
        #expect(!early)
    }
}
