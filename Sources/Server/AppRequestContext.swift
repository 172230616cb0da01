import Hummingbird
import NIOCore

/// Hummingbird's basic context plus the client's address (for per-IP rate limits).
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Uploads are streamed by their handlers, which enforce their own limits.
    public var maxUploadSize: Int { 64 << 20 }
}
