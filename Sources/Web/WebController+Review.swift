import FacepipeCore
import Foundation
import Hummingbird
import Persistence
import Services

/// Duplicate review: the oldest undecided pair side by side with its distance per hash; one
/// click (or C / D) records the decision for every hash of the pair and the next pair loads.
extension WebController {
    func duplicatesPage(_ request: Request, _ context: Context) async throws -> Response {
        let page = try await services.duplicates.list(status: .pending, cursor: nil, limit: 100, call(context))
        // One entry per image pair: a pair is recorded once per hash type that found it.
        var groups: [[DuplicatePair]] = []
        for pair in page.items {
            if let index = groups.firstIndex(where: { $0[0].image1 == pair.image1 && $0[0].image2 == pair.image2 }) {
                groups[index].append(pair)
            } else {
                groups.append([pair])
            }
        }
        var data: [String: Any] = ["pending": groups.count == 0 ? "0" : page.nextCursor == nil ? "\(groups.count)" : "\(groups.count)+"]
        if let group = groups.last {  // oldest first: the list is newest first
            func side(_ id: UUID) async throws -> [String: Any] {
                let image = try await services.images.get(id, call(context)).image
                return ["id": id.uuidString.lowercased(), "short": Self.short(id), "report": image.reportID ?? "no report",
                        "thumb": services.derivatives.thumbnails(of: image, for: context.caller)["medium"] ?? ""]
            }
            data["pair"] = [
                "left": try await side(group[0].image1), "right": try await side(group[0].image2),
                "distances": group.sorted { $0.hashType < $1.hashType }.map { ["hashType": $0.hashType, "distance": $0.distance] },
                "ids": group.map { String($0.id) }.joined(separator: ","),
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
