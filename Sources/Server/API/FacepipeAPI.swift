import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Queue

/// The JSON API: implements the protocol swift-openapi-generator derives from `openapi.yaml`.
/// One extension per route group (`FacepipeAPI+Images.swift`, …).
struct FacepipeAPI: APIProtocol {
    let dependencies: ServerDependencies
    var queue: JobQueue { dependencies.queue }
    var images: ImageRepository { dependencies.images }
    var logger: Logger { dependencies.logger }

    /// The current request's correlation id (set by RequestIDMiddleware via a task local).
    var requestID: String? { RequestContextStore.requestID }
}

/// Carries per-request values from Hummingbird's context into generated handlers, which only
/// see the OpenAPI request.
enum RequestContextStore {
    @TaskLocal static var requestID: String?
    @TaskLocal static var clientAddress: String?
}
