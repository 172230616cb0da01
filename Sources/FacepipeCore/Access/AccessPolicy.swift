/// The role matrix, as data: the one place that says which role each permission takes.
/// Services ask it (`require`); the README's table and a test that walks every operation of
/// `openapi.yaml` are checked against it.
public struct AccessPolicy: Sendable, Equatable {
    /// Seed 002's mode: anonymous uploads (limited per address). Off by default.
    public var publicUploads: Bool
    /// `/metrics` without a credential (for a scraper on a private network). Off by default.
    public var publicMetrics: Bool

    public init(publicUploads: Bool = false, publicMetrics: Bool = false) {
        self.publicUploads = publicUploads
        self.publicMetrics = publicMetrics
    }

    /// The least role that holds `permission`.
    public func minimumRole(for permission: Permission) -> Role {
        switch permission {
        case .readHealth, .readGallery, .signedUpload, .followReceipt: .anonymous
        case .upload: publicUploads ? .anonymous : .standard
        case .readMetrics: publicMetrics ? .anonymous : .admin
        case .readImages, .readDuplicates, .readReports, .searchFaces, .readQueue: .standard
        case .seeUnmasked: .gold
        case .viewOriginals, .readTimeline, .reprocess, .reviewDuplicates, .correctIdentities, .searchBelowMatchFloor, .readFaceAttributes, .setReports, .manageJobs, .manageKeys, .readAudit,
             .erase:
            .admin
        }
    }

    public func allows(_ caller: Caller, _ permission: Permission) -> Bool {
        caller.role >= minimumRole(for: permission)
    }

    /// Throws 401 for a caller without a credential, 403 for one whose role is too low.
    public func require(_ permission: Permission, _ caller: Caller) throws {
        guard !allows(caller, permission) else { return }
        if caller.role == .anonymous {
            throw APIError.unauthenticated("this needs a credential: send Authorization: Bearer <API key or token>")
        }
        throw APIError.forbidden("a \(caller.role.rawValue) caller may not do this (needs \(minimumRole(for: permission).rawValue))")
    }

    /// Which permission each operation of `openapi.yaml` needs, by operationId. Every operation
    /// is listed (a test fails otherwise), and the test calls each one as anonymous and as
    /// standard to check the services enforce exactly this.
    public static let operations: [String: Permission] = [
        "getHealth": .readHealth,
        "getGallery": .readGallery,
        "uploadImages": .upload,
        "initUpload": .upload,
        "presignUpload": .upload,
        "putUpload": .signedUpload,
        "getUploadReceipt": .followReceipt,
        "processUploadReceipt": .followReceipt,
        "listImages": .readImages,
        "getImage": .readImages,
        "processImage": .reprocess,
        "eraseImage": .erase,
        "uploadDocuments": .upload,
        "getDocument": .readImages,
        "processDocument": .reprocess,
        "eraseDocument": .erase,
        "getImageDuplicates": .readDuplicates,
        "listDuplicates": .readDuplicates,
        "reviewDuplicate": .reviewDuplicates,
        "getReport": .readReports,
        "getReportLinks": .readReports,
        "setReport": .setReports,
        "reviewReportEvidence": .setReports,
        "eraseReport": .erase,
        "searchFace": .searchFaces,
        "getIdentity": .searchFaces,
        "splitIdentity": .correctIdentities,
        "mergeIdentity": .correctIdentities,
        "getQueue": .readQueue,
        "getJob": .readQueue,
        "cancelJob": .manageJobs,
        "retryJob": .manageJobs,
        "listJobs": .readQueue,
        "listKeys": .manageKeys,
        "createKey": .manageKeys,
        "revokeKey": .manageKeys,
        "listAudit": .readAudit,
    ]
}
