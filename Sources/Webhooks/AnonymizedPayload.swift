import FacepipeCore
import Foundation

/// The body of an `image.anonymized` webhook: an anonymized copy is stored.
///
/// ```json
/// {"event":"image.anonymized",
///  "data":{"imageId":"…","reportId":"r1","variantId":"…",
///          "options":{"replacewith":"solid","boxes":true,"maskScale":1.3,"threshold":0.2},
///          "url":"https://…/media/processed/2026/12/…-1a2b….jpg","faces":2,"detectionsOnOutput":0,
///          "facesLeft":0,"verified":true,"anonymizedAt":"2026-01-02T03:04:05Z"}}
/// ```
/// `url` is signed and valid for a day (`MediaLinks.webhookTTLSeconds`).
/// `facesLeft` counts detections on the copy outside every mask; `verified` is `facesLeft == 0`.
public struct AnonymizedPayload: Sendable, Codable, Equatable {
    public var event = "image.anonymized"
    public var imageId: UUID
    public var reportId: String?
    public var variantId: UUID
    public var options: AnonymizeSettings.Overrides
    public var url: String
    public var faces: Int
    public var detectionsOnOutput: Int
    public var facesLeft: Int
    public var verified: Bool
    public var anonymizedAt: Date

    public init(image: ImageRecord, variant: ProcessedVariant, url: String, at date: Date = Date()) {
        imageId = image.id
        reportId = image.reportID
        variantId = variant.id
        options = variant.settings.overrides
        self.url = url
        faces = variant.verification?.facesMasked ?? 0
        detectionsOnOutput = variant.verification?.detectionsOnOutput ?? 0
        facesLeft = variant.verification?.facesLeft ?? 0
        verified = variant.verification?.verified ?? false
        anonymizedAt = date
    }

    /// Every field but `event`, which goes beside `data` (see `WebhookEnvelope`).
    enum CodingKeys: String, CodingKey {
        case imageId, reportId, variantId, options, url, faces, detectionsOnOutput, facesLeft, verified, anonymizedAt
    }

    public func jsonBody() throws -> String {
        try WebhookEnvelope(event: event, data: self).jsonBody()
    }
}
