import FacepipeCore
import Foundation
import Persistence
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

    func eraseReport(_ input: Operations.EraseReport.Input) async throws -> Operations.EraseReport.Output {
        let outcomes = try await services.erasure.eraseReport(input.path.id, call)
        return .accepted(.init(body: .json(.init(reportId: input.path.id, images: outcomes.map(Self.schema)))))
    }

    static func schema(_ report: ReportRecord) -> Components.Schemas.Report {
        .init(id: report.id, status: .init(rawValue: report.status) ?? .pending, perpetratorName: report.perpetratorName,
              imageCount: report.imageCount, updatedAt: report.updatedAt)
    }
}
