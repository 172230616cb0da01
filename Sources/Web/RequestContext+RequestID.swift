import Hummingbird

extension RequestContext {
    /// The correlation id the server's request-id middleware puts in the request's logger
    /// (`request_id`), or Hummingbird's own id before it has run.
    public var requestID: String {
        logger[metadataKey: "request_id"]?.description ?? id
    }
}
