import FacepipeCore
import Foundation
import Hummingbird
import Services

/// A report as an investigator works in it (issue 24): its evidence (images and the documents
/// they are pages of), its state, the perpetrator's name as the caller's role may read it, the
/// other reports it is linked to with what links them, and an admin's actions. And a document
/// with its pages.
extension WebController {
    func reportPage(_ request: Request, _ context: Context) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap({ $0.removingPercentEncoding }) else { throw APIError.notFound("no such report") }
        let report = try await services.reports.get(id, call(context))
        let page = try await services.images.list(ImageFilter(reportID: id), cursor: nil, limit: 60, call(context))
        let evidence = page.items.filter { page.documents[$0.id] == nil }
        // Document pages are shown as their documents, once each.
        var documents: [(id: UUID, pages: Int)] = []
        for image in page.items {
            guard let document = page.documents[image.id]?.documentID else { continue }
            if let index = documents.firstIndex(where: { $0.id == document }) { documents[index].pages += 1 } else { documents.append((document, 1)) }
        }
        // Links are search results: below admin they exist for approved reports only (the
        // service refuses the others), and the page says so instead of failing.
        var links: [[String: Any]] = []
        var linksHidden = false
        do {
            links = try await services.reports.links(id, cursor: nil, limit: 50, call(context)).items.map(Self.link)
        } catch let error as APIError where error.httpStatus == 404 {
            linksHidden = true
        }
        let admin = services.policy.allows(context.caller, .setReports)
        let data: [String: Any] = [
            "id": report.id, "status": report.status, "name": report.perpetratorName ?? "", "imageCount": report.imageCount,
            "updated": Self.time(report.updatedAt),
            "images": evidence.map { image -> [String: Any] in
                ["href": "/ui/images/\(image.id.uuidString.lowercased())",
                 "thumb": services.derivatives.thumbnails(of: image, for: context.caller)["thumb"] ?? "", "status": image.status.rawValue,
                 "faces": (image.faceCount ?? 0) > 0 ? image.faceCount! : "", "alt": "Image \(Self.short(image.id))"]
            },
            "hasImages": !evidence.isEmpty, "more": page.nextCursor != nil,
            "allImages": "/ui/gallery?reportId=" + Self.pathSegment(report.id),
            "documents": documents.map { ["href": "/ui/documents/\($0.id.uuidString.lowercased())", "short": Self.short($0.id), "pages": $0.pages] },
            "hasDocuments": !documents.isEmpty,
            "links": links, "hasLinks": !links.isEmpty, "linksHidden": linksHidden,
            "pending": report.pendingImageIDs.map { ["href": "/ui/images/\($0.uuidString.lowercased())", "short": Self.short($0)] },
            "hasPending": !report.pendingImageIDs.isEmpty,
            "admin": admin,
            "statuses": ReportService.statuses.sorted().map { ["value": $0, "selected": $0 == report.status] },
        ]
        return render("report", data, context, nav: "gallery")
    }

    /// One linked report: the strongest evidence and a line per kind.
    static func link(_ link: ReportService.Link) -> [String: Any] {
        let byKind = Dictionary(grouping: link.evidence, by: \.kind)
        let lines = ReportLinkKind.allCases.compactMap { kind -> String? in
            guard let items = byKind[kind] else { return nil }
            switch kind {
            case .sameImage: return "\(items.count) identical file(s)"
            case .nearDuplicate: return "\(items.count) near-duplicate pair(s)"
            case .sameFace: return "\(items.count) matching face(s), best similarity \(String(format: "%.2f", items.map(\.strength).max() ?? 0))"
            }
        }
        return ["report": link.report, "href": "/ui/reports/" + Self.pathSegment(link.report),
                "status": link.status, "kind": link.kind.rawValue.replacingOccurrences(of: "_", with: " "),
                "strength": String(format: "%.2f", link.strength), "evidence": lines.joined(separator: "; ")]
    }

    /// `text` as one path segment: unreserved characters as they are, everything else
    /// percent-encoded (a report id may hold `/`, `?` or `#`).
    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn:
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }

    func documentPage(_ request: Request, _ context: Context) async throws -> Response {
        guard let raw = context.parameters.get("id"), let id = UUID(uuidString: raw) else { throw APIError.notFound("no such document") }
        let view = try await services.documents.get(id, call(context))
        let document = view.document
        let data: [String: Any] = [
            "id": id.uuidString.lowercased(), "short": Self.short(id), "status": document.status.rawValue, "error": document.error ?? "",
            "mime": document.mime, "pageCount": document.pageCount,
            "size": ByteCountFormatter.string(fromByteCount: document.bytes, countStyle: .file),
            "reports": document.reports.map { ["id": $0, "href": "/ui/reports/" + Self.pathSegment($0)] },
            "original": view.originalURL ?? "", "ttlMinutes": max(1, services.derivatives.ttlSeconds / 60),
            "pages": view.pages.map { page -> [String: Any] in
                let image = page.image.image
                let picture = services.derivatives.view(of: image, for: context.caller)
                    ?? services.derivatives.thumbnails(of: image, for: context.caller)["large"]
                return ["page": page.page, "href": "/ui/images/\(image.id.uuidString.lowercased())", "picture": picture ?? "",
                        "status": image.status.rawValue, "faces": (image.faceCount ?? 0) > 0 ? image.faceCount! : ""]
            },
        ]
        return render("document", data, context, nav: "gallery")
    }
}
