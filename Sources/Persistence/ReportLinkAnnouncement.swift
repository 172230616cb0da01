import FacepipeCore
import Foundation
import PostgresNIO

/// Told about each connection between two reports the first time it is seen, in the transaction
/// that records it (to queue the `report.linked` webhook with it).
public protocol ReportLinkObserver: Sendable {
    func linked(_ link: NewReportLink, correlationID: String?, on connection: PostgresConnection) async throws
}

extension TimelineRepository {
    /// Announces connections a `ReportLinkRepository.record…` call found new: a `report.linked`
    /// entry on the image's timeline and the observer (webhooks), in the same transaction.
    public func announce(_ links: [NewReportLink], observer: (any ReportLinkObserver)?, correlationID: String?,
                         on connection: PostgresConnection) async throws {
        for link in links {
            try await append(.reportLinked(link), imageID: link.imageID, on: connection)
            try await observer?.linked(link, correlationID: correlationID, on: connection)
        }
    }
}
