import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The page templates (swift-mustache, HTML-escaped by default) and the static assets, loaded
/// once from the module's resources.
public struct Pages: Sendable {
    let library: MustacheLibrary
    let assets: [String: (bytes: ByteBuffer, type: String, etag: String)]

    public init() async throws {
        guard let templates = Bundle.module.url(forResource: "Templates", withExtension: nil),
              let assetFolder = Bundle.module.url(forResource: "Assets", withExtension: nil)
        else { throw APIError(status: 500, code: "internal_error", message: "the web templates are not bundled with this build") }
        library = try await MustacheLibrary(directory: templates.path)
        var assets: [String: (ByteBuffer, String, String)] = [:]
        for (name, type) in [("app.css", "text/css; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8")] {
            let data = try Data(contentsOf: assetFolder.appendingPathComponent(name))
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: a stable ETag, not a security measure
            for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            assets[name] = (ByteBuffer(bytes: data), type, "\"\(String(hash, radix: 16))\"")
        }
        self.assets = assets
    }

    func render(_ template: String, _ data: [String: Any]) -> String {
        library.render(data, withTemplate: template) ?? "template \(template) is missing"
    }
}

/// Headers every page carries: no script, style or frame from anywhere but this server, no
/// inline script, no sniffing, no referrer to other sites.
struct PageSecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var policy: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.policy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.xFrameOptions] = "DENY"
        return response
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
}
