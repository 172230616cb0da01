import FacepipeCore
import Foundation
import Services

extension FacepipeAPI {
    func getUploadReceipt(_ input: Operations.GetUploadReceipt.Input) async throws -> Operations.GetUploadReceipt.Output {
        let status = try await services.receipts.status(input.headers.xUploadReceipt, call)
        return .ok(.init(body: .json(.init(
            imageId: status.image.id.uuidString.lowercased(), status: Self.seedStatus(status.image.status),
            anonymization: .init(rawValue: Self.anonymization(of: status.copies)) ?? .queued,
            // A failed copy's error text names internal files: not for a visitor.
            processed: status.copies.map { var copy = Self.schema($0); copy.error = nil; return copy }))))
    }

    func processUploadReceipt(_ input: Operations.ProcessUploadReceipt.Input) async throws -> Operations.ProcessUploadReceipt.Output {
        var body: Components.Schemas.ProcessRequest?
        if case .json(let json) = input.body { body = json }
        guard case .anonymize(let overrides) = Self.processRequest(body) else {
            throw APIError.badRequest("a receipt may ask for anonymized copies only (pipeline anonymize)", code: "invalid_pipeline")
        }
        let made = try await services.receipts.anonymize(input.headers.xUploadReceipt, overrides, call)
        return .accepted(.init(body: .json(Self.schema(made.outcome, imageID: made.imageID))))
    }

    /// Seed 002's words for an image's or a copy's state: one not yet picked up is `queued`.
    static func seedWord(_ status: ImageStatus) -> String {
        switch status {
        case .uploaded, .queued: "queued"
        case .processing: "processing"
        case .done: "done"
        case .failed: "failed"
        }
    }

    static func seedStatus(_ status: ImageStatus) -> Components.Schemas.ReceiptStatus.StatusPayload {
        .init(rawValue: seedWord(status)) ?? .queued
    }

    /// The newest anonymized copy's state in seed 002's words, `none` before one is asked for.
    static func anonymization(of copies: [ImageService.VariantView]) -> String {
        copies.max { $0.variant.createdAt < $1.variant.createdAt }.map { seedWord($0.variant.status) } ?? "none"
    }
}
