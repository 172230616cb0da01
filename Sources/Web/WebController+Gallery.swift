import FacepipeCore
import Foundation
import Hummingbird
import Services

/// The gallery (every image for analysts, the public gallery for anonymous visitors, with
/// filters and keyset pagination) and the upload page.
extension WebController {
    func gallery(_ request: Request, _ context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let cursor = query.get("cursor").map { String($0) }
        let signedIn = services.policy.allows(context.caller, .readImages)
        var filter = ImageFilter()
        var data: [String: Any] = ["public": !signedIn]
        let page: ImageService.Page
        if signedIn {
            filter.status = query.get("status").flatMap { ImageStatus(rawValue: String($0)) }
            filter.hasFaces = query.get("hasFaces").flatMap { Bool(String($0)) }
            filter.reportID = query.get("reportId").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
            filter.from = query.get("from").flatMap { Self.day(String($0)) }
            filter.to = query.get("to").flatMap { Self.day(String($0)) }.map { $0.addingTimeInterval(86_400) }
            page = try await services.images.list(filter, cursor: cursor, limit: 60, call(context))
            data["statuses"] = ImageStatus.allCases.map { ["value": $0.rawValue, "selected": $0 == filter.status] }
            data["filter"] = [
                "facesYes": filter.hasFaces == true, "facesNo": filter.hasFaces == false, "reportId": filter.reportID ?? "",
                "from": query.get("from").map { String($0) } ?? "", "to": query.get("to").map { String($0) } ?? "",
            ] as [String: Any]
        } else {
            page = try await services.images.gallery(cursor: cursor, limit: 60, call(context))
        }
        data["items"] = page.items.map { image -> [String: Any] in
            // Anonymous visitors see and open the verified anonymized copy, never the original's
            // thumbnails (seed 002's gallery is of anonymized images).
            let publicView = page.variants[image.id]?.first?.url
            let thumb = signedIn ? services.derivatives.thumbnails(of: image, for: context.caller)["thumb"] : publicView
            return [
                "href": signedIn ? "/ui/images/\(image.id.uuidString.lowercased())" : (publicView ?? "#"),
                "thumb": thumb ?? "", "status": image.status.rawValue, "faces": (image.faceCount ?? 0) > 0 ? image.faceCount! : "",
                "report": signedIn ? image.reportID ?? "" : "",
                // Report ids are for signed-in readers only, in the text as in the tile.
                "alt": "Image \(Self.short(image.id))\(signedIn ? image.reportID.map { " of report \($0)" } ?? "" : "")",
            ]
        }
        data["hasItems"] = !page.items.isEmpty
        if let next = page.nextCursor {
            var items = (request.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("cursor=") }.map(String.init)
            items.append("cursor=\(next)")
            data["next"] = "/ui/gallery?" + items.joined(separator: "&")
        }
        return render("gallery", data, context, nav: "gallery")
    }

    func uploadPage(_ context: Context) throws -> Response {
        try services.policy.require(.upload, context.caller)
        return render("upload", [
            "maxBytes": settings.maxFileBytes, "maxMB": settings.maxFileBytes >> 20, "maxFiles": settings.maxFilesPerRequest,
            // Seed 002's public mode: a visitor's upload is public by default (its anonymized copy
            // is what they came for), and they follow it with the receipt the answer carries.
            "anonymous": context.caller.role == .anonymous,
        ], context, nav: "upload")
    }

    static func day(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text)
    }
}
