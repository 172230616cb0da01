import FacepipeCore
import Foundation
import Services

extension FacepipeAPI {
    func getReport(_ input: Operations.GetReport.Input) async throws -> Operations.GetReport.Output {
        .ok(.init(body: .json(Self.schema(try await services.reports.get(input.path.id, call)))))
    }

    func setReport(_ input: Operations.SetReport.Input) async throws -> Operations.SetReport.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected a JSON body") }
        guard body.status != nil || body.perpetratorName != nil else {
            throw APIError.badRequest("send status and/or perpetratorName", code: "empty_update")
        }
        let report = try await services.reports.set(input.path.id, status: body.status?.rawValue, perpetratorName: body.perpetratorName, call)
        return .ok(.init(body: .json(Self.schema(report))))
    }

    func reviewReportEvidence(_ input: Operations.ReviewReportEvidence.Input) async throws -> Operations.ReviewReportEvidence.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected a JSON body") }
        let decision: ReportService.EvidenceDecision = body.decision == .approve ? .approve : .reject
        let report = try await services.reports.review(input.path.id, image: try Self.imageID(input.path.imageId), decision, call)
        return .ok(.init(body: .json(Self.schema(report))))
    }

    func eraseReport(_ input: Operations.EraseReport.Input) async throws -> Operations.EraseReport.Output {
        let outcomes = try await services.erasure.eraseReport(input.path.id, call)
        return .accepted(.init(body: .json(.init(reportId: input.path.id, images: outcomes.map(Self.schema)))))
    }

    func getReportLinks(_ input: Operations.GetReportLinks.Input) async throws -> Operations.GetReportLinks.Output {
        let page = try await services.reports.links(input.path.id, cursor: input.query.cursor, limit: input.query.limit ?? 20, call)
        return .ok(.init(body: .json(.init(reportId: input.path.id, items: page.items.map(Self.schema), nextCursor: page.nextCursor))))
    }

    static func schema(_ link: ReportService.Link) -> Components.Schemas.ReportLink {
        func id(_ uuid: UUID?) -> String { uuid?.uuidString.lowercased() ?? "" }
        let evidence = link.evidence
        return .init(
            reportId: link.report, status: .init(rawValue: link.status) ?? .pending, kind: .init(rawValue: link.kind.rawValue) ?? .sameFace,
            strength: (link.strength * 10_000).rounded() / 10_000,
            sameImages: evidence.filter { $0.kind == .sameImage }.map { .init(imageId: id($0.image)) },
            nearDuplicates: evidence.filter { $0.kind == .nearDuplicate }.map {
                .init(imageId: id($0.image), otherImageId: id($0.otherImage), hashType: $0.hashType ?? "", distance: $0.distance ?? 0,
                      distances: schema($0.distances ?? HashDistances(ahash: 0, dhash: 0, phash: 0, pdq: 0)),
                      similarity: ($0.strength * 10_000).rounded() / 10_000,
                      confidence: (($0.confidence ?? 0) * 10_000).rounded() / 10_000,
                      status: .init(rawValue: $0.reviewStatus ?? "pending") ?? .pending)
            },
            sharedFaces: evidence.filter { $0.kind == .sameFace }.map {
                .init(imageId: id($0.image), otherImageId: id($0.otherImage), faceId: id($0.face), otherFaceId: id($0.otherFace),
                      similarity: ($0.strength * 10_000).rounded() / 10_000)
            })
    }

    static func schema(_ report: ReportRecord) -> Components.Schemas.Report {
        .init(id: report.id, status: .init(rawValue: report.status) ?? .pending, perpetratorName: report.perpetratorName,
              imageCount: report.imageCount, imageIds: report.imageIDs.map { $0.uuidString.lowercased() },
              identityIds: report.identityIDs.map { $0.uuidString.lowercased() },
              pendingImageIds: report.pendingImageIDs.isEmpty ? nil : report.pendingImageIDs.map { $0.uuidString.lowercased() },
              updatedAt: report.updatedAt)
    }
}
