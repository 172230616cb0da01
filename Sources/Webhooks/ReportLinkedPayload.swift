import FacepipeCore
import Foundation

/// The body of a `report.linked` webhook: two reports are connected for the first time.
///
/// ```json
/// {"event":"report.linked",
///  "data":{"reports":["r1","r3"],"kind":"same_image","strength":1,"imageId":"…","linkedAt":"2026-01-02T03:04:05Z"}}
/// ```
/// `kind` is `same_image` (the same file), `near_duplicate` (an edited copy; strength
/// 1 − distance/bits) or `same_face` (the same person; strength = cosine similarity). `imageId` is
/// the image whose upload, processing or embedding made the connection. Fetch the evidence with
/// `GET /reports/{id}/links`.
public struct ReportLinkedPayload: Sendable, Codable, Equatable {
    public var event = "report.linked"
    public var reports: [String]
    public var kind: String
    public var strength: Double
    public var imageId: UUID
    public var linkedAt: Date

    public init(_ link: NewReportLink, at date: Date = Date()) {
        reports = [link.reports.0, link.reports.1]
        kind = link.kind.rawValue
        strength = (link.strength * 10_000).rounded() / 10_000
        imageId = link.imageID
        linkedAt = date
    }

    /// Every field but `event`, which goes beside `data` (see `WebhookEnvelope`).
    enum CodingKeys: String, CodingKey { case reports, kind, strength, imageId, linkedAt }

    public func jsonBody() throws -> String {
        try WebhookEnvelope(event: event, data: self).jsonBody()
    }
}
