import FacepipeCore
import Hummingbird
import HummingbirdAuth
import Services

/// What the pages need from the application's request context: the authenticated caller (made
/// by the same middleware as for the JSON API) and the browser session.
public protocol WebRequestContext: SessionRequestContext where Session == BrowserSession {
    var caller: Caller { get }
}
