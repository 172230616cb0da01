import Crypto
import FacepipeCore
import Foundation
import Logging
import Persistence

/// Seed 002's public mode after the upload (issue 24): an anonymous upload is answered with a
/// receipt, an unguessable token, and whoever holds it — only them, since it is shown once and
/// stored as a hash — may follow that one image, ask for anonymized copies of it with seed
/// 002's options, and open the copies that passed verification.
///
/// The receipt is the credential: it reaches one image and nothing else, no role is involved,
/// and it expires (`lifetime`). Copies a receipt asks for are bounded (`maxCopies`), and one
/// that masks nothing (`replacewith: none`) is refused: it would be the original again.
public struct ReceiptService: Sendable {
    let client: DatabaseClient
    let images: ImageService
    let policy: AccessPolicy
    let logger: Logger

    /// How long a receipt works: a visitor comes back within a week, not a year later.
    public static let lifetime: TimeInterval = 7 * 86_400
    /// Anonymized copies of one image a receipt holder may have made (all holders together).
    public static let maxCopies = 5

    public init(client: DatabaseClient, images: ImageService, policy: AccessPolicy, logger: Logger) {
        self.client = client
        self.images = images
        self.policy = policy
        self.logger = logger
    }

    /// A new receipt for an anonymous upload; nil for anyone with a credential (they follow
    /// their uploads through `/images`). Bytes that were already here get one only when that
    /// image is public already: a receipt must not open a private image to whoever holds a copy.
    public func issue(for imageID: UUID, uploadedBy role: Role, existing: ImageRecord?) async throws -> String? {
        guard role == .anonymous, existing.map(\.isPublic) ?? true else { return nil }
        let token = RandomToken.make()
        try await repository.create(digest: Self.digest(token), imageID: imageID, expiresAt: Date().addingTimeInterval(Self.lifetime))
        return token
    }

    /// What the receipt's holder may see: the image's state and its anonymized copies (links
    /// only to verified ones that mask faces, as for any anonymous caller).
    public struct Status: Sendable {
        public var image: ImageRecord
        public var copies: [ImageService.VariantView]
    }

    public func status(_ token: String?, _ context: CallContext) async throws -> Status {
        let id = try await resolve(token)
        guard let image = try await ImageRepository(client: client, logger: logger).find(id) else {
            throw Self.refused
        }
        return Status(image: image, copies: try await images.variantViews(of: [id], for: context.caller)[id] ?? [])
    }

    /// Queues an anonymized copy of the receipt's image with seed 002's options.
    public func anonymize(_ token: String?, _ overrides: AnonymizeSettings.Overrides, _ context: CallContext) async throws
        -> (imageID: UUID, outcome: ImageService.ProcessOutcome)
    {
        let id = try await resolve(token)
        if overrides.replacewith?.lowercased() == "none" {
            throw APIError.badRequest("replacewith none masks nothing; choose blur, solid or mosaic", code: "invalid_options")
        }
        // The look is the visitor's (what covers the faces, boxes or ellipses); how much is
        // covered is not: a threshold, mask scale, mosaic size or scale of their own could make
        // a copy that shows faces and still passes verification, and such a copy goes public.
        if overrides.threshold != nil || overrides.maskScale != nil || overrides.mosaicSize != nil || overrides.scale != nil {
            throw APIError.badRequest("a receipt may choose replacewith and boxes; threshold, maskScale, mosaicSize and scale are the server's",
                                      code: "invalid_options")
        }
        let outcome = try await images.anonymize(id, overrides, context) { connection in
            // Counted under the image's row lock, so concurrent requests cannot pass the limit.
            if try await UploadReceiptRepository.lockAndCountCopies(of: id, on: connection) >= Self.maxCopies {
                throw APIError(status: 429, code: "too_many_copies",
                               message: "this image has \(Self.maxCopies) anonymized copies already; open one of those")
            }
        }
        return (id, outcome)
    }

    /// The image a receipt follows. Unknown, malformed and expired receipts get the same answer.
    func resolve(_ token: String?) async throws -> UUID {
        // Receipts belong to public mode: switched off, the ones handed out stop working too.
        guard policy.publicUploads, let token, RandomToken.isWellFormed(token.utf8) else { throw Self.refused }
        guard let id = try await repository.image(forDigest: Self.digest(token)) else { throw Self.refused }
        return id
    }

    static let refused = APIError(status: 403, code: "invalid_receipt", message: "unknown or expired upload receipt")

    var repository: UploadReceiptRepository { UploadReceiptRepository(client: client, logger: logger) }

    /// The stored form of a token: its SHA-256, hex.
    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
