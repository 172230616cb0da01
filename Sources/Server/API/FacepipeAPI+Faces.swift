import FacepipeCore
import Foundation
import Ingest
import OpenAPIRuntime
import Services

extension FacepipeAPI {
    /// One face in, nearest faces from approved reports out (audited, masked per role by the service).
    func searchFace(_ input: Operations.SearchFace.Input) async throws -> Operations.SearchFace.Output {
        let search = services.faceSearch
        // Refused callers are turned away before a byte of the image is read.
        _ = try search.authorize(call)
        guard case .multipartForm(let parts) = input.body else { throw APIError(status: 415, code: "unsupported_type", message: "expected multipart/form-data") }
        var query: UploadSpoolerBox?
        var minSimilarity: Double?
        var limit = 20
        try await Self.readingBody {
            for try await part in parts {
                switch part {
                case .image(let file):
                    let spooler = try dependencies.ingest.makeSpooler(for: call.caller, to: .searchFaces)
                    for try await chunk in file.payload.body { try spooler.append(chunk) }
                    query = UploadSpoolerBox(spooler: spooler, filename: file.filename)
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
        guard let query else { throw APIError.badRequest("send the query image in the multipart field `image`", code: "no_image") }
        _ = try query.spooler.finish()
        let outcome = try await search.search(query.spooler, filename: query.filename, minSimilarity: minSimilarity, limit: limit, call)
        return .ok(.init(body: .json(.init(
            matches: outcome.matches.map {
                .init(reportId: $0.reportID, imageId: $0.imageID.uuidString.lowercased(), faceId: $0.faceID.uuidString.lowercased(),
                      similarity: $0.similarity, strength: $0.strength.flatMap { .init(rawValue: $0.rawValue) },
                      identityId: $0.identityID?.uuidString.lowercased(), perpetratorName: $0.perpetratorName, thumbnail: $0.thumbnailURL)
            },
            query: .init(faceDetected: true, faceCount: 1, minSimilarity: outcome.minSimilarity,
                         minSimilarityRaised: outcome.raisedToFloor)))))
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
