/// Which audit entries `GET /admin/audit` lists (each field must match when set).
public struct AuditFilter: Sendable {
    public var action: String?
    public var actor: String?
    public var target: String?
    public init(action: String? = nil, actor: String? = nil, target: String? = nil) {
        self.action = action
        self.actor = actor
        self.target = target
    }
}
