import FacepipeCore
import Logging
import Persistence
import PostgresNIO
import Queue
import Storage

/// Every service a process offers its callers, built once from the same parts, so the JSON API
/// and the pages call the same code and cannot disagree about who may see what.
public struct ServiceSet: Sendable {
    public var policy: AccessPolicy
    public var audit: AuditService
    public var images: ImageService
    public var reports: ReportService
    public var duplicates: DuplicateService
    public var queue: QueueService
    public var keys: KeyService
    public var erasure: ErasureService
    public var faceSearch: FaceSearchService
    public var documents: DocumentService
    public var identities: IdentityService
    /// Anonymous uploaders' receipts (seed 002's public mode).
    public var receipts: ReceiptService
    /// The links to derived files a caller is handed (which files by role).
    public var derivatives: DerivativeLinks

    public init(client: DatabaseClient, queue: JobQueue, links: MediaLinks, policy: AccessPolicy,
                faceModels: FaceSearchService.Models?, faceMatching: FaceMatchThresholds,
                anonymizeDefault: AnonymizeSettings? = .seed002, store: any MediaStore,
                linkObserver: (any ReportLinkObserver)? = nil, faceIndex: FaceIndex? = nil, logger: Logger) {
        let audit = AuditService(client: client, policy: policy, logger: logger)
        let derivatives = DerivativeLinks(links: links, policy: policy)
        self.derivatives = derivatives
        self.policy = policy
        self.audit = audit
        images = ImageService(client: client, queue: queue, links: links, derivatives: derivatives, audit: audit, policy: policy,
                              anonymizeDefault: anonymizeDefault, logger: logger)
        reports = ReportService(client: client, queue: queue, audit: audit, policy: policy, linkObserver: linkObserver, logger: logger)
        duplicates = DuplicateService(client: client, audit: audit, policy: policy, logger: logger)
        self.queue = QueueService(queue: queue, audit: audit, policy: policy)
        keys = KeyService(client: client, audit: audit, policy: policy, logger: logger)
        erasure = ErasureService(client: client, queue: queue, audit: audit, policy: policy, logger: logger)
        documents = DocumentService(client: client, queue: queue, links: links, images: images, erasure: erasure, audit: audit,
                                    policy: policy, logger: logger)
        identities = IdentityService(client: client, audit: audit, policy: policy, logger: logger)
        receipts = ReceiptService(client: client, images: images, policy: policy, logger: logger)
        faceSearch = FaceSearchService(models: faceModels, matching: faceMatching, client: client,
                                       index: faceIndex ?? FaceIndex(logger: logger), derivatives: derivatives,
                                       audit: audit, policy: policy, logger: logger)
    }
}
