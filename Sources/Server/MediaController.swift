import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// `GET /media/{key}`: serves stored bytes with Content-Type, ETag, Cache-Control and Range.
/// Not part of the JSON API (it returns images), so it is routed by hand.
struct MediaController {
    let store: any MediaStore
    let links: MediaLinks

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/media/**") { request, context in try await serve(request, context: context, includeBody: true) }
        router.head("/media/**") { request, context in try await serve(request, context: context, includeBody: false) }
    }

    func serve(_ request: Request, context: AppRequestContext, includeBody: Bool) async throws -> Response {
        let path = request.uri.path
        let rawKey = String(path.dropFirst("/media/".count))
        guard let decoded = rawKey.removingPercentEncoding, let key = try? MediaKey(decoded) else {
            throw APIError.badRequest("invalid media key", code: "invalid_path")
        }
        // Every file needs a signed link (see MediaLinks): the signature is what says "allowed".
        let query = request.uri.queryParameters
        guard let expires = query.get("expires", as: Int64.self), let signature = query.get("signature") else {
            throw APIError(status: 403, code: "invalid_signature", message: "this media needs a signed URL")
        }
        try links.verify(method: "GET", path: path, expires: expires, signature: String(signature))
        // A malformed Range header is ignored (RFC 9110): the whole object is sent.
        let range = request.headers[.range].flatMap(ByteRange.init(header:))
        let stream: MediaObjectStream?
        do {
            stream = try await store.stream(key, range: range)
        } catch MediaStoreError.rangeNotSatisfiable(let size) {
            throw APIError(status: 416, code: "range_not_satisfiable", message: "range outside the object's \(size) bytes")
        }
        guard let object = stream else { throw APIError.notFound("no such media") }
        var headers: HTTPFields = [
            .contentType: object.info.contentType,
            .eTag: object.info.etag,
            .acceptRanges: "bytes",
            .cacheControl: MediaLinks.cacheControl(expires: expires),
            .init("X-Content-Type-Options")!: "nosniff",
        ]
        if !Self.isRenderedByUs(key) {
            // An original is evidence to download, never a page to render: even a file that
            // slipped past every check cannot run in the browser of whoever opens the link.
            headers[.contentDisposition] = "attachment; filename=\"\(key.rawValue.split(separator: "/").last ?? "original")\""
        }
        if let match = request.headers[.ifNoneMatch], match == object.info.etag || match == "*" {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(object.contentLength)
        var status = HTTPResponse.Status.ok
        if let served = object.range {
            status = .partialContent
            headers[.contentRange] = "bytes \(served.lowerBound)-\(served.upperBound)/\(object.info.size)"
        }
        guard includeBody else { return Response(status: status, headers: headers) }
        let body = object.body
        return Response(status: status, headers: headers, body: .init(asyncSequence: body))
    }

    /// Thumbnails and processed copies are images facepipe encoded itself (libvips, metadata
    /// stripped): safe to show inline. Anything else (originals, documents, crops) downloads.
    static func isRenderedByUs(_ key: MediaKey) -> Bool {
        key.rawValue.hasPrefix("thumbnails/") || key.rawValue.hasPrefix("processed/")
    }
}
