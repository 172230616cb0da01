/// Who is adding evidence to a report, as far as report membership goes (issue 22).
///
/// A report is what the platform's investigators approve and what face search, report links,
/// identity look-ups and webhooks read. An addition counts at once only when an admin makes it
/// or when the report is the contributor's own (they created it with their first upload);
/// anyone else's addition to an existing report is pending until an admin approves it, so
/// nobody can slip a face into someone else's approved report.
public struct ReportContributor: Sendable, Equatable {
    /// `Caller.id` of a caller with a credential; nil for anonymous callers, who share one id
    /// and so can own nothing.
    public var id: String?
    public var role: Role
    /// For the audit entry.
    public var address: String?

    public init(id: String?, role: Role, address: String? = nil) {
        self.id = id
        self.role = role
        self.address = address
    }

    public init(_ caller: Caller) {
        self.init(id: caller.credential == .none ? nil : caller.id, role: caller.role, address: caller.address)
    }

    /// What the audit entry names as the actor.
    public var actor: String { id ?? "anonymous" }
}

extension AccessPolicy {
    /// Whether `contributor`'s addition to a report created by `createdBy` counts at once.
    public func addsDirectly(_ contributor: ReportContributor, toReportCreatedBy createdBy: String?) -> Bool {
        contributor.role >= minimumRole(for: .setReports) || (contributor.id != nil && contributor.id == createdBy)
    }
}
