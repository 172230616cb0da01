import FacepipeCore
import Foundation
import Logging
import PostgresNIO
import Queue
import Services

/// The JSON API: implements the protocol swift-openapi-generator derives from `openapi.yaml`.
/// One extension per route group (`FacepipeAPI+Images.swift`, …). Handlers parse and render;
/// the services they call decide who may do what.
struct FacepipeAPI: APIProtocol {
    let dependencies: ServerDependencies
    var services: ServiceSet { dependencies.services }
    var logger: Logger { dependencies.logger }

    /// The current request's correlation id (set by RequestIDMiddleware, handed over by a task local).
    var requestID: String? { RequestContextStore.current?.requestID }

    /// Who is calling, for the services.
    var call: CallContext {
        CallContext(caller: RequestContextStore.current?.caller ?? .anonymous(address: nil), requestID: requestID)
    }
}

/// Carries per-request values from Hummingbird's context into generated handlers, which only
/// see the OpenAPI request (set by `RequestContextStoreMiddleware`).
enum RequestContextStore {
    struct Values: Sendable {
        var requestID: String
        var caller: Caller
        /// The request's Content-Type as sent (the generated code only says which case matched).
        var contentType: String?
        /// `scheme://host[:port]` the request was made to (`RequestBaseURL`), when it names one.
        var baseURL: String?
    }

    @TaskLocal static var current: Values?
}
