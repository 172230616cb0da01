import FacepipeCore
import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import Services
import Storage

/// The web UI under `/ui`: server-rendered pages that call the same services as the JSON API
/// (so a role rule is written once), forms protected by the session's CSRF token, and a little
/// JavaScript for drag-and-drop, progress and live refresh. `/` opens the gallery.
public struct WebController<Context: WebRequestContext>: Sendable {
    public struct Settings: Sendable {
        /// Cookies carry `Secure` (`COOKIE_SECURE`, on unless a developer turns it off).
        public var secureCookies: Bool
        /// Every answer says `Strict-Transport-Security` (PUBLIC_BASE_URL is https://…).
        public var strictTransportSecurity: Bool
        public var maxFileBytes: Int
        public var maxFilesPerRequest: Int
        public var faceSearchMinSimilarity: Double
        public var oidcEnabled: Bool
        public init(secureCookies: Bool, strictTransportSecurity: Bool = false, maxFileBytes: Int, maxFilesPerRequest: Int,
                    faceSearchMinSimilarity: Double, oidcEnabled: Bool) {
            self.secureCookies = secureCookies
            self.strictTransportSecurity = strictTransportSecurity
            self.maxFileBytes = maxFileBytes
            self.maxFilesPerRequest = maxFilesPerRequest
            self.faceSearchMinSimilarity = faceSearchMinSimilarity
            self.oidcEnabled = oidcEnabled
        }
    }

    let services: ServiceSet
    let authenticator: CallerAuthenticator
    let pages: Pages
    let settings: Settings

    /// Media links come from `services.derivatives`, which picks the files by role.
    public init(services: ServiceSet, authenticator: CallerAuthenticator, pages: Pages, settings: Settings) {
        self.services = services
        self.authenticator = authenticator
        self.pages = pages
        self.settings = settings
    }

    public func addRoutes(to router: Router<Context>) {
        router.get("/") { _, _ in Response.redirect(to: "/ui/gallery", type: .normal) }
        let ui = router.group("ui").add(middleware: PageSecurityHeadersMiddleware<Context>())
        ui.get("assets/:file") { request, context in try asset(request, context) }
        ui.get("login") { request, context in try await loginPage(request, context) }
        ui.post("login") { request, context in try await login(request, context) }
        ui.post("logout") { request, context in try await page(request, context) { try await logout(request, context) } }
        ui.get("gallery") { request, context in try await page(request, context) { try await gallery(request, context) } }
        ui.get("upload") { request, context in try await page(request, context) { try uploadPage(context) } }
        ui.get("queue") { request, context in try await page(request, context) { try await queuePage(request, context, fragment: false) } }
        ui.get("queue/jobs") { request, context in try await page(request, context) { try await queuePage(request, context, fragment: true) } }
        ui.post("jobs/:id/:action") { request, context in try await page(request, context) { try await jobAction(request, context) } }
        ui.get("images/:id") { request, context in try await page(request, context) { try await imagePage(request, context) } }
        ui.post("images/:id/:action") { request, context in try await page(request, context) { try await imageAction(request, context) } }
        ui.get("reports/:id") { request, context in try await page(request, context) { try await reportPage(request, context) } }
        ui.get("documents/:id") { request, context in try await page(request, context) { try await documentPage(request, context) } }
        ui.get("identities/:id") { request, context in try await page(request, context) { try await identityPage(request, context) } }
        ui.post("identities/:id/:action") { request, context in try await page(request, context) { try await identityAction(request, context) } }
        ui.get("duplicates") { request, context in try await page(request, context) { try await duplicatesPage(request, context) } }
        ui.post("duplicates/review") { request, context in try await page(request, context) { try await review(request, context) } }
        ui.get("search") { request, context in try await page(request, context) { try searchPage(context) } }
        ui.get("admin") { request, context in try await page(request, context) { try await adminPage(request, context) } }
        ui.post("admin/keys") { request, context in try await page(request, context) { try await createKey(request, context) } }
        ui.post("admin/keys/:id/revoke") { request, context in try await page(request, context) { try await revokeKey(request, context) } }
        ui.post("admin/reports") { request, context in try await page(request, context) { try await setReport(request, context) } }
    }

    // MARK: - Shared page machinery

    func call(_ context: Context) -> CallContext { CallContext(caller: context.caller, requestID: context.requestID) }

    /// Runs a page handler and turns the services' refusals into what a person expects: the login
    /// page for 401, a page that says why for 403, 404 and other client errors.
    func page(_ request: Request, _ context: Context, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as APIError where error.httpStatus == 401 {
            let next = request.uri.path.hasPrefix("/ui/") && request.method == .get ? request.uri.description : "/ui/gallery"
            return .redirect(to: "/ui/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""), type: .normal)
        } catch let error as APIError where (400..<500).contains(error.httpStatus) {
            let heading = switch error.httpStatus {
            case 403: "Not allowed"
            case 404: "Not found"
            default: "That did not work"
            }
            return render("error", ["heading": heading, "message": error.message], context, status: .init(code: error.httpStatus))
        }
    }

    /// A full page: the template's data plus what the layout needs (who is signed in, the CSRF
    /// token, which menu entry is current).
    func render(_ template: String, _ data: [String: Any], _ context: Context, nav: String? = nil, status: HTTPResponse.Status = .ok)
        -> Response
    {
        var data = data
        let caller = context.caller
        data["user"] = [
            "signedIn": caller.role != .anonymous, "role": caller.role.rawValue,
            "standard": services.policy.allows(caller, .readImages), "admin": services.policy.allows(caller, .manageKeys),
            // Anonymous visitors too in seed 002's public mode (PUBLIC_UPLOADS).
            "upload": services.policy.allows(caller, .upload),
        ] as [String: Any]
        data["csrf"] = context.sessions.session?.csrfToken ?? ""
        if let nav { data["nav"] = [nav: true] }
        return html(pages.render(template, Self.compact(data)), status: status)
    }

    /// Mustache treats an empty string as true: drop empty strings, so `{{#original}}…{{/original}}`
    /// means "when there is one" and a missing value renders as nothing.
    static func compact(_ data: [String: Any]) -> [String: Any] {
        data.compactMapValues { value -> Any? in
            switch value {
            case let text as String: text.isEmpty ? nil : text
            case let nested as [String: Any]: compact(nested)
            case let rows as [[String: Any]]: rows.map(compact)
            default: value
            }
        }
    }

    func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A page form's fields, after checking its CSRF token against the session's.
    func form(_ request: Request, _ context: Context) async throws -> FormFields {
        let fields = try await FormFields.read(request, context: context)
        guard let session = context.sessions.session, session.accepts(fields["csrf"]) else {
            throw APIError.forbidden("this form is out of date or did not come from facepipe (CSRF check): reload the page and try again")
        }
        return fields
    }

    func asset(_ request: Request, _ context: Context) throws -> Response {
        guard let name = context.parameters.get("file"), let asset = pages.assets[name] else {
            throw HTTPError(.notFound)
        }
        if request.headers[.ifNoneMatch] == asset.etag { return Response(status: .notModified, headers: [.eTag: asset.etag]) }
        return Response(status: .ok, headers: [.contentType: asset.type, .eTag: asset.etag, .cacheControl: "no-cache"],
                        body: .init(byteBuffer: asset.bytes))
    }

    static func short(_ id: UUID) -> String { String(id.uuidString.lowercased().prefix(8)) }

    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }
}
