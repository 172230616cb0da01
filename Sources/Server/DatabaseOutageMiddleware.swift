import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import Persistence
import PostgresNIO

/// While the database is down every request but `/health` and `/metrics` gets 503
/// `database_unavailable` with `Retry-After` at once, instead of waiting on the connection pool.
/// A request that was already waiting for a connection when the monitor declares the outage
/// gets its 503 then (`DatabaseClient.giveUpWaiting`); no wait for a connection lasts longer
/// than `DATABASE_WAIT_SECONDS`. Any error that says the database went away — from a handler
/// or from the session and caller middleware, which sit inside this one — is answered 503,
/// never 500.
struct DatabaseOutageMiddleware<Context: RequestContext>: RouterMiddleware {
    let availability: DatabaseAvailability?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let availability, !availability.isUp, request.uri.path != "/health", request.uri.path != "/metrics" {
            availability.noteRefused()
            throw APIError.databaseUnavailable
        }
        do {
            return try await next(request, context)
        } catch where DatabaseOutage.matches(error) {
            context.logger.warning("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError.databaseUnavailable
        }
    }
}

enum DatabaseOutage {
    /// The database went away (connection refused, closed, shut down, the pool gave up): the
    /// caller should retry, so 503 rather than 500. Looks through the wrappers errors arrive in.
    static func matches(_ error: any Error) -> Bool {
        switch error {
        case let error as ServerError: return matches(error.underlyingError)
        case is DatabaseWaitError: return true
        case let error as DatabaseTransactionError:
            return [error.beginError, error.closureError, error.commitError].contains { $0.map(matches) ?? false }
        case let error as PSQLError:
            if [.connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown].contains(error.code) {
                return true
            }
            // 57P01–57P03: the server is shutting down or starting; 08xxx: connection exceptions.
            guard let state = error.serverInfo?[.sqlState] else { return false }
            return state.hasPrefix("57P") || state.hasPrefix("08")
        default:
            let name = String(reflecting: type(of: error))
            return name.contains("ConnectionPoolError")
        }
    }
}

extension APIError {
    static var databaseUnavailable: APIError {
        APIError(status: 503, code: "database_unavailable", message: "the database is unavailable; retry shortly", retryAfterSeconds: 5)
    }
}
