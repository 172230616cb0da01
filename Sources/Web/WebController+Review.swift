import FacepipeCore
import Foundation
import Hummingbird
import Services

/// Duplicate review: the most confident undecided pair side by side with every hash's distance
/// and the rule's confidence; one click (or C / D) records the decision and the next pair loads.
extension WebController {
    func duplicatesPage(_ request: Request, _ context: Context) async throws -> Response {
        let pairs = try await services.duplicates.mostConfident(status: .pending, limit: 101, call(context))
        var data: [String: Any] = ["pending": pairs.count > 100 ? "100+" : "\(pairs.count)"]
        if let pair = pairs.first {
            func side(_ id: UUID) async throws -> [String: Any] {
                let image = try await services.images.get(id, call(context)).image
                return ["id": id.uuidString.lowercased(), "short": Self.short(id), "report": image.reportID ?? "no report",
                        "thumb": services.derivatives.thumbnails(of: image, for: context.caller)["medium"] ?? ""]
            }
            data["pair"] = [
                "left": try await side(pair.image1), "right": try await side(pair.image2),
                "distances": HashType.allCases.sorted { $0.rawValue > $1.rawValue }.map {
                    ["hashType": $0.rawValue, "distance": pair.distances[$0], "bits": $0 == .pdq ? 256 : 64]
                },
                "confidence": String(format: "%.2f", pair.confidence), "mirrored": pair.mirrored,
                "matchedBy": pair.matchedBy == .own ? "" : pair.matchedBy.rawValue,
                "ids": String(pair.id),
                "canReview": services.policy.allows(context.caller, .reviewDuplicates),
            ] as [String: Any]
        }
        return render("duplicates", data, context, nav: "duplicates")
    }

    func review(_ request: Request, _ context: Context) async throws -> Response {
        let fields = try await form(request, context)
        guard let status = fields["status"].flatMap(DuplicateStatus.init(rawValue:)) else {
            throw APIError.badRequest("status must be confirmed or different", code: "invalid_status")
        }
        for id in (fields["ids"] ?? "").split(separator: ",").compactMap({ Int64($0) }) {
            _ = try await services.duplicates.review(id, status: status, reviewerName: nil, call(context))
        }
        return .redirect(to: "/ui/duplicates", type: .normal)
    }

    func searchPage(_ context: Context) throws -> Response {
        _ = try services.faceSearch.authorize(call(context))
        return render("search", [
            "minSimilarity": String(format: "%.2f", settings.faceSearchMinSimilarity),
            "unmasked": services.policy.allows(context.caller, .seeUnmasked),
        ], context, nav: "search")
    }
}
