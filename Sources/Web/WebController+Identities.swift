import FacepipeCore
import Foundation
import Hummingbird
import Services

/// One person as facepipe grouped them: their faces (each face's own crop; below gold the
/// images' thumbnails with every face blurred, as in face search) and every report they appear in; admins split faces off or merge
/// another identity in. The service decides who sees what and audits the look-up.
extension WebController {
    func identityPage(_ request: Request, _ context: Context) async throws -> Response {
        guard let raw = context.parameters.get("id"), let id = UUID(uuidString: raw) else { throw APIError.notFound("no such person") }
        let record = try await services.identities.get(id, call(context))
        let data: [String: Any] = [
            "id": id.uuidString.lowercased(), "short": Self.short(id), "count": record.faces.count,
            "faces": record.faces.map { face -> [String: Any] in
                return ["face": face.id.uuidString.lowercased(), "image": face.imageID.uuidString.lowercased(),
                        "imageShort": Self.short(face.imageID), "index": face.index + 1, "pinned": face.pinned,
                        // This person's own face (its crop) for those who may see faces; below
                        // gold the image's tile with every face blurred.
                        "thumbnail": services.derivatives.faceThumbnail(unmasked: face.cropKey ?? face.thumbnailKey,
                                                                        masked: face.blurredThumbnailKey, for: context.caller) ?? ""]
            },
            "reports": record.reports.map { ["id": $0.id, "status": $0.status, "href": "/ui/reports/" + Self.pathSegment($0.id)] },
            "separated": record.separatedFrom.map { ["id": $0.uuidString.lowercased(), "short": Self.short($0)] },
            "admin": services.policy.allows(context.caller, .correctIdentities),
        ]
        return render("identity", data, context, nav: "gallery")
    }

    func identityAction(_ request: Request, _ context: Context) async throws -> Response {
        let fields = try await form(request, context)
        guard let raw = context.parameters.get("id"), let id = UUID(uuidString: raw) else { throw APIError.notFound("no such person") }
        switch context.parameters.get("action") {
        case "split":
            let faces = fields.all("face").compactMap(UUID.init(uuidString:))
            guard !faces.isEmpty else { throw APIError.badRequest("tick the faces that are someone else", code: "invalid_faces") }
            let new = try await services.identities.split(id, faces: faces, call(context))
            return .redirect(to: "/ui/identities/\(new.id.uuidString.lowercased())", type: .normal)
        case "merge":
            guard let other = fields["identity"].flatMap({ UUID(uuidString: $0.trimmingCharacters(in: .whitespaces)) }) else {
                throw APIError.badRequest("give the other person's id (from their page's address)", code: "invalid_id")
            }
            _ = try await services.identities.merge(id, with: other, call(context))
        default:
            throw APIError.notFound("no such action")
        }
        return .redirect(to: "/ui/identities/\(raw)", type: .normal)
    }
}
