import FacepipeCore
import Foundation
import Hummingbird
import Services

/// Logging in: an API key (or OIDC token) pasted once becomes a server-side session; the cookie
/// carries only a random id (HttpOnly, SameSite=Strict, Secure over HTTPS). The login form has
/// its own CSRF token (a short-lived cookie compared with a form field), since there is no
/// session yet to hold one.
extension WebController {
    static var loginCookie: String { "facepipe_login" }

    func loginPage(_ request: Request, _ context: Context, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let token = BrowserSession.newToken()
        var response = render("login", [
            "loginCsrf": token, "next": Self.safeNext(request.uri.queryParameters.get("next").map { String($0) }) ?? "", "error": error ?? "",
            "oidc": settings.oidcEnabled,
        ], context, status: status)
        response.setCookie(Cookie(name: Self.loginCookie, value: token, maxAge: 600, path: "/ui/login", secure: settings.secureCookies,
                                  httpOnly: true, sameSite: .strict))
        return response
    }

    func login(_ request: Request, _ context: Context) async throws -> Response {
        let fields = try await FormFields.read(request, context: context)
        guard let cookie = request.cookies[Self.loginCookie]?.value, let sent = fields["csrf"],
              CallerAuthenticator.constantTimeEqual(Array(cookie.utf8), Array(sent.utf8))
        else {
            return try await loginPage(request, context, error: "The form expired; please try again.", status: .forbidden)
        }
        guard let credential = fields.text("credential") else {
            return try await loginPage(request, context, error: "Paste your API key.", status: .badRequest)
        }
        do {
            let (session, lasts) = try await authenticator.login(credential: credential, address: context.caller.address,
                                                                 requestID: context.requestID)
            // A new session id at every login (no fixation); the old one, if any, is dropped.
            context.sessions.createSession(session, expiresIn: lasts)
            return .redirect(to: Self.safeNext(fields["next"]) ?? "/ui/gallery", type: .normal)
        } catch let error as APIError where error.httpStatus == 401 {
            return try await loginPage(request, context, error: "That key was not accepted: \(error.message).", status: .unauthorized)
        }
    }

    func logout(_ request: Request, _ context: Context) async throws -> Response {
        _ = try await form(request, context)
        context.sessions.clearSession()
        return .redirect(to: "/ui/login", type: .normal)
    }

    /// Only paths of this UI: never another site (`//evil`, `https://…`).
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/ui/"), !next.hasPrefix("//"), !next.contains("\\"), !next.contains("\n") else { return nil }
        return next
    }
}
