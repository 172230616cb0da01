import FacepipeCore
import Hummingbird
import HummingbirdAuth
import NIOCore
import Services
import Web

/// Hummingbird's basic context plus who is calling: the peer's address, the browser session
/// (pages) and, once `CallerAuthenticationMiddleware` has run, the authenticated caller.
public struct AppRequestContext: AuthRequestContext, WebRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (a proxy's address when behind one; see TRUSTED_PROXIES).
    public let peerAddress: String?
    /// Set by `CallerAuthenticationMiddleware` for every request (anonymous without a credential).
    public var identity: Caller?
    /// The browser session, loaded and saved by hummingbird's `SessionMiddleware`.
    public let sessions = SessionContext<BrowserSession>()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The caller services decide on; anonymous until authentication has run.
    public var caller: Caller { identity ?? .anonymous(address: peerAddress) }

    /// Uploads are streamed by their handlers, which enforce their own limits.
    public var maxUploadSize: Int { 64 << 20 }
}
