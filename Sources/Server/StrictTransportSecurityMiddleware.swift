import HTTPTypes
import Hummingbird

/// `Strict-Transport-Security` on every answer when facepipe is reached over HTTPS
/// (`PUBLIC_BASE_URL` is https://…): a browser that has been there once never again sends a
/// session cookie or a signed link over plain HTTP to this host, for a year.
struct StrictTransportSecurityMiddleware<Context: RequestContext>: RouterMiddleware {
    static var value: String { "max-age=31536000" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[HTTPField.Name("Strict-Transport-Security")!] = Self.value
        return response
    }
}
