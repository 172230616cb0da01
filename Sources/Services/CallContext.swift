import FacepipeCore

/// Who is asking, and in which request: what every service method takes. Services decide
/// access from `caller` (never the HTTP layer) and write `requestID` into audit entries and jobs.
public struct CallContext: Sendable {
    public var caller: Caller
    public var requestID: String?

    public init(caller: Caller, requestID: String?) {
        self.caller = caller
        self.requestID = requestID
    }

    /// The operator at the command line (`facepipe keys …`): an admin with no credential, audited
    /// as `cli:<user>`.
    public static func commandLine(user: String) -> CallContext {
        CallContext(caller: Caller(role: .admin, credential: .commandLine(user: user)), requestID: nil)
    }
}
