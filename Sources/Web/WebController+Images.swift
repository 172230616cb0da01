import FacepipeCore
import Foundation
import Hummingbird
import Services

/// One image: the large thumbnail with its faces outlined, facts, hashes, near-duplicates, the
/// processing timeline (admins), and the admin's actions (reprocess, anonymize, erase).
extension WebController {
    func imagePage(_ request: Request, _ context: Context) async throws -> Response {
        guard let raw = context.parameters.get("id"), let id = UUID(uuidString: raw) else { throw APIError.notFound("no such image") }
        let view = try await services.images.get(id, call(context))
        let image = view.image
        let pairs = try await services.duplicates.forImage(id, call(context))
        // The whole picture (seed 002's image page); images processed before views existed show
        // their square thumbnail, with the faces outside it counted.
        let whole = services.derivatives.view(of: image, for: context.caller)
        let picture = whole ?? services.derivatives.thumbnails(of: image, for: context.caller)["large"]
        // Outlines where faces are, for those who may see faces; the others see them blurred.
        let seesFaces = services.policy.allows(context.caller, .seeUnmasked)
        let boxes = seesFaces ? Self.boxes(view.faces, width: image.width, height: image.height, square: whole == nil) : []
        let (shownWidth, shownHeight) = whole != nil ? Self.aspect(width: image.width, height: image.height) : (800, 800)
        var data: [String: Any] = [
            "id": id.uuidString.lowercased(), "short": Self.short(id), "status": image.status.rawValue, "error": image.error ?? "",
            "large": picture ?? "", "whole": whole != nil, "shownWidth": shownWidth, "shownHeight": shownHeight,
            "blurredFaces": !seesFaces && (image.faceCount ?? 0) > 0,
            "faceCount": (image.faceCount ?? 0) > 0 ? image.faceCount! : "", "boxes": boxes, "shown": boxes.count,
            "clipped": seesFaces && boxes.count < view.faces.count,
            "original": view.originalURL ?? "", "ttlMinutes": max(1, services.derivatives.ttlSeconds / 60),
            "variants": view.variants.map(Self.variant), "hasVariants": !view.variants.isEmpty,
            "reports": image.reports.map { ["id": $0, "href": "/ui/reports/" + Self.pathSegment($0)] }, "mime": image.mime, "width": image.width ?? 0, "height": image.height ?? 0,
            "size": ByteCountFormatter.string(fromByteCount: image.bytes, countStyle: .file),
            "created": Self.time(image.createdAt), "createdISO": ISO8601DateFormatter().string(from: image.createdAt),
            "processedAt": image.processedAt.map(Self.time) ?? "", "sha256": image.sha256,
            "hashes": view.hashes.map { ["name": $0.name, "value": $0.value] },
            "metadata": Self.metadata(image.safeMetadata),
            "hasDuplicates": !pairs.isEmpty,
            "duplicates": pairs.map { pair -> [String: Any] in
                let other = pair.image1 == id ? pair.image2 : pair.image1
                return ["other": other.uuidString.lowercased(), "otherShort": Self.short(other),
                        "confidence": String(format: "%.2f", pair.confidence), "pdq": pair.distances.pdq, "phash": pair.distances.phash,
                        "review": pair.status.rawValue]
            },
            "admin": services.policy.allows(context.caller, .reprocess),
            "people": view.faces.compactMap { face -> [String: Any]? in
                guard let identity = face.identityID else { return nil }
                return ["face": face.index + 1, "identity": identity.uuidString.lowercased(), "short": Self.short(identity)]
            },
        ]
        if let document = view.document {
            data["document"] = ["href": "/ui/documents/\(document.documentID.uuidString.lowercased())", "page": document.page,
                                "short": Self.short(document.documentID)] as [String: Any]
        }
        if let defaults = services.images.anonymizeDefault {
            data["anonymize"] = [
                "replacements": AnonymizeSettings.Replacement.allCases.map {
                    ["value": $0.rawValue, "selected": $0 == defaults.replacewith]
                },
                "boxes": defaults.boxes, "maskScale": defaults.maskScale, "threshold": defaults.threshold,
            ] as [String: Any]
        }
        if let events = view.events {
            data["hasEvents"] = !events.isEmpty
            data["events"] = Self.timeline(events)
        }
        return render("image", data, context, nav: "gallery")
    }

    func imageAction(_ request: Request, _ context: Context) async throws -> Response {
        let fields = try await form(request, context)
        guard let raw = context.parameters.get("id"), let id = UUID(uuidString: raw) else { throw APIError.notFound("no such image") }
        switch context.parameters.get("action") {
        case "process":
            _ = try await services.images.process(id, .process, call(context))
        case "anonymize":
            func number(_ name: String) throws -> Double? {
                guard let raw = fields[name], !raw.isEmpty else { return nil }
                guard let value = Double(raw) else { throw APIError.badRequest("\(name) must be a number", code: "invalid_options") }
                return value
            }
            // An unticked checkbox is absent from the form: absent means false here.
            let overrides = AnonymizeSettings.Overrides(
                replacewith: fields["replacewith"], boxes: fields["boxes"] == "on", maskScale: try number("maskScale"),
                threshold: try number("threshold"))
            _ = try await services.images.process(id, .anonymize(overrides), call(context))
        case "erase":
            _ = try await services.erasure.eraseImage(id, call(context))
            return .redirect(to: "/ui/gallery", type: .normal)
        default:
            throw APIError.notFound("no such action")
        }
        return .redirect(to: "/ui/images/\(raw)", type: .normal)
    }

    /// Face boxes on the large thumbnail, in percent of it: that thumbnail is the image's centred
    /// square, so boxes are moved and scaled into it (and clipped at its edges).
    /// Face outlines as percentages of what is shown: the whole picture, or (`square`) the
    /// centred square of the large thumbnail, where faces outside it are left out.
    static func boxes(_ faces: [StoredFace], width: Int?, height: Int?, square: Bool = false) -> [[String: Any]] {
        guard let width, let height, width > 0, height > 0 else { return [] }
        let shownWidth = square ? Double(min(width, height)) : Double(width)
        let shownHeight = square ? Double(min(width, height)) : Double(height)
        let left = (Double(width) - shownWidth) / 2, top = (Double(height) - shownHeight) / 2
        return faces.compactMap { face in
            let x0 = max(0, (Double(face.box.x) - left) / shownWidth), y0 = max(0, (Double(face.box.y) - top) / shownHeight)
            let x1 = min(1, (Double(face.box.x + face.box.width) - left) / shownWidth)
            let y1 = min(1, (Double(face.box.y + face.box.height) - top) / shownHeight)
            guard x1 > x0, y1 > y0 else { return nil }
            func percent(_ value: Double) -> String { String(format: "%.2f", value * 100) }
            return ["x": percent(x0), "y": percent(y0), "w": percent(x1 - x0), "h": percent(y1 - y0), "index": face.index + 1, "score": ""]
        }
    }

    /// The picture's box on the page (its aspect ratio, long side 800), so nothing moves as it loads.
    static func aspect(width: Int?, height: Int?) -> (Int, Int) {
        guard let width, let height, width > 0, height > 0 else { return (800, 800) }
        let scale = 800 / Double(max(width, height))
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }

    /// One anonymized copy: options in words, status, and what verification found.
    static func variant(_ view: ImageService.VariantView) -> [String: Any] {
        let variant = view.variant, settings = variant.settings
        var options = "\(settings.replacewith.rawValue), \(settings.boxes ? "boxes" : "ellipses"), mask ×\(settings.maskScale), "
            + "threshold \(settings.threshold)"
        if let scale = settings.scale { options += ", scale \(scale)" }
        var check = ""
        if let verification = variant.verification {
            check = verification.verified
                ? "verified: no face left (\(verification.facesMasked) masked)"
                : "\(verification.facesLeft) face(s) may be left (\(verification.facesMasked) masked)"
        }
        return ["url": view.url ?? "", "options": options, "status": variant.status.rawValue, "check": check,
                "verified": variant.verification?.verified ?? false, "error": variant.error ?? ""]
    }

    static func metadata(_ json: String) -> [[String: String]] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [] }
        return object.keys.sorted().map { ["key": $0, "value": "\(object[$0] ?? "")"] }
    }

    /// Events in order, with how long each job step took (from its start to its end).
    static func timeline(_ events: [ImageEvent]) -> [[String: Any]] {
        var started: [Int64: Date] = [:]
        let time = DateFormatter()
        time.timeZone = TimeZone(identifier: "UTC")
        time.dateFormat = "HH:mm:ss.SSS"
        let iso = ISO8601DateFormatter()
        return events.map { event in
            var took = ""
            if let job = event.jobID {
                if event.type == .jobStarted { started[job] = event.at }
                if event.type != .jobStarted, let start = started[job] {
                    took = String(format: "%.0f ms", event.at.timeIntervalSince(start) * 1000)
                    if event.type.endsAttempt { started[job] = nil }
                }
            }
            let data = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any]) ?? [:]
            let details = data.keys.sorted().filter { $0 != "request_id" }.map { "\($0): \(data[$0] ?? "")" }.joined(separator: ", ")
            let kind = event.type.isFailure ? "failed" : event.type.isRetry ? "retry" : "ok"
            return ["iso": iso.string(from: event.at), "time": time.string(from: event.at), "type": event.type.rawValue,
                    "job": event.jobID.map { String($0) } ?? "", "took": took, "details": details, "kind": kind]
        }
    }
}
