import Hummingbird
import Logging

/// One log line a request, like Hummingbird's `LogRequestsMiddleware`, without secrets: a
/// signed link's `signature` is a bearer credential until it expires (whoever copies it from
/// the log opens the file), so its value is replaced before the line is written (issue 22).
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let level: Logger.Level

    /// Query parameters whose values are never logged.
    static var secretParameters: Set<Substring> { ["signature", "token", "receipt", "access_token"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        context.logger.log(level: level, "Request", metadata: [
            "hb.request.path": .string(Self.scrubbed(path: request.uri.path, query: request.uri.query)),
            "hb.request.method": .string(request.method.rawValue),
        ])
        return try await next(request, context)
    }

    /// `path?name=value&signature=***`.
    static func scrubbed(path: String, query: String?) -> String {
        guard let query, !query.isEmpty else { return path }
        let parts = query.split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            guard let equals = part.firstIndex(of: "="), secretParameters.contains(part[..<equals].lowercased()[...]) else {
                return String(part)
            }
            return part[..<equals] + "=***"
        }
        return path + "?" + parts.joined(separator: "&")
    }
}
