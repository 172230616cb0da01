import FacepipeCore
import Foundation

/// What a browser session remembers of its login (stored server-side; the cookie holds only a
/// random id). Never a secret: an API key session keeps the key's id and is checked against the
/// key on every request (revoking the key ends the session); a token session keeps the subject
/// and ends when the token would have expired.
public struct BrowserSession: Codable, Sendable, Equatable {
    public var role: Role
    public var keyID: String?
    public var subject: String?
    /// Required on every state-changing request of the session (form field or `X-CSRF-Token`).
    public var csrfToken: String

    public init(role: Role, keyID: String? = nil, subject: String? = nil, csrfToken: String = BrowserSession.newToken()) {
        self.role = role
        self.keyID = keyID
        self.subject = subject
        self.csrfToken = csrfToken
    }

    /// 32 random bytes, URL-safe base64.
    public static func newToken() -> String { RandomToken.make() }

    /// Compares tokens in constant time.
    public func accepts(_ token: String?) -> Bool {
        guard let token else { return false }
        return CallerAuthenticator.constantTimeEqual(Array(token.utf8), Array(csrfToken.utf8))
    }
}
