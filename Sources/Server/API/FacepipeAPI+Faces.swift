import FacepipeCore
import Foundation
import Imaging
import Ingest
import NIOPosix
import OpenAPIRuntime
import Persistence

extension FacepipeAPI {
    func getReport(_ input: Operations.GetReport.Input) async throws -> Operations.GetReport.Output {
        guard let report = try await ReportRepository(client: dependencies.client, logger: logger).find(input.path.id) else {
            throw APIError.notFound("report \(input.path.id) not found")
        }
        return .ok(.init(body: .json(.init(id: report.id, status: .init(rawValue: report.status) ?? .pending, updatedAt: report.updatedAt))))
    }

    func setReportStatus(_ input: Operations.SetReportStatus.Input) async throws -> Operations.SetReportStatus.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected a JSON body") }
        try Self.checkReportID(input.path.id)
        let report = try await ReportRepository(client: dependencies.client, logger: logger)
            .setStatus(input.path.id, status: body.status.rawValue)
        return .ok(.init(body: .json(.init(id: report.id, status: .init(rawValue: report.status) ?? .pending, updatedAt: report.updatedAt))))
    }

    /// One face in, nearest faces from approved reports out. Routed like any other operation, so
    /// authentication and rate limits can wrap it as middleware.
    func searchFace(_ input: Operations.SearchFace.Input) async throws -> Operations.SearchFace.Output {
        guard let search = dependencies.faceSearch else {
            throw APIError.unavailable("face search is not available on this server (face models missing)", code: "face_search_unavailable")
        }
        guard case .multipartForm(let parts) = input.body else { throw APIError(status: 415, code: "unsupported_type", message: "expected multipart/form-data") }
        var spooler: UploadSpoolerBox?
        var minSimilarity = search.minSimilarity
        var limit = 20
        try await Self.readingBody {
            for try await part in parts {
                switch part {
                case .image(let file):
                    let file_ = try dependencies.ingest.makeSpooler()
                    for try await chunk in file.payload.body { try file_.append(chunk) }
                    spooler = UploadSpoolerBox(spooler: file_, filename: file.filename)
                case .minSimilarity(let field):
                    guard let value = Double(try await Self.text(field.payload.body, field: "minSimilarity")), (-1...1).contains(value) else {
                        throw APIError.badRequest("minSimilarity must be a number between -1 and 1")
                    }
                    minSimilarity = value
                case .limit(let field):
                    guard let value = Int(try await Self.text(field.payload.body, field: "limit")), (1...100).contains(value) else {
                        throw APIError.badRequest("limit must be between 1 and 100")
                    }
                    limit = value
                case .undocumented(let raw):
                    _ = try await Self.text(raw.body, field: "unknown field")
                }
            }
        }
        guard let upload = spooler else { throw APIError.badRequest("send the query image in the multipart field `image`", code: "no_image") }
        _ = try upload.spooler.finish()
        _ = try UploadTypeCheck.check(sniffed: ImageFileType.sniff(upload.spooler.head), filename: upload.filename, declaredMimeType: nil)
        let bytes = try Data(contentsOf: upload.spooler.url)
        let analysis: (faceCount: Int, embedding: [Float]?)
        do {
            analysis = try await ImagingThreads.run { try search.analyse(bytes) }
        } catch is ImagingError {
            throw APIError(status: 422, code: "corrupt_image", message: "the image cannot be decoded")
        }
        guard analysis.faceCount > 0 else { throw APIError.badRequest("No face detected in image", code: "no_face") }
        guard let embedding = analysis.embedding else {
            throw APIError.badRequest("Multiple faces detected in image (\(analysis.faceCount)); crop it to one face", code: "multiple_faces")
        }
        let matches = try await FaceRepository(client: dependencies.client, logger: logger)
            .search(embedding, minSimilarity: minSimilarity, limit: limit)
        let links = dependencies.links
        return .ok(.init(body: .json(.init(
            matches: matches.map {
                .init(reportId: $0.reportID, imageId: $0.imageID.uuidString.lowercased(), faceId: $0.faceID.uuidString.lowercased(),
                      similarity: ($0.similarity * 10_000).rounded() / 10_000, thumbnail: $0.thumbnailKey.map { links.url(forKey: $0) })
            },
            query: .init(faceDetected: true, faceCount: 1)))))
    }
}

/// Keeps a spooled query image (and its temp file) alive until the search is done.
final class UploadSpoolerBox {
    let spooler: UploadSpooler
    let filename: String?
    init(spooler: UploadSpooler, filename: String?) {
        self.spooler = spooler
        self.filename = filename
    }
}
