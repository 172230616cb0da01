import FacepipeCore
import Foundation

/// Builds the URLs the API hands out for media, and checks the signatures on the way back in.
/// Originals are only ever reachable through a short-lived signed URL; thumbnails and processed
/// outputs are public unless MEDIA_PUBLIC_DERIVATIVES=false.
public struct MediaLinks: Sendable {
    let signer: URLSigner
    let baseURL: String
    public let ttlSeconds: Int
    let publicDerivatives: Bool

    public init(signer: URLSigner, baseURL: String?, ttlSeconds: Int, publicDerivatives: Bool) {
        self.signer = signer
        self.baseURL = (baseURL ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.ttlSeconds = ttlSeconds
        self.publicDerivatives = publicDerivatives
    }

    /// True for keys anyone may fetch without a signature.
    public func isPublic(_ key: String) -> Bool {
        publicDerivatives && (key.hasPrefix("thumbnails/") || key.hasPrefix("processed/"))
    }

    public func url(forKey key: String) -> String {
        let path = "/media/" + key
        guard !isPublic(key) else { return baseURL + path }
        let expires = Date().addingTimeInterval(Double(ttlSeconds))
        return baseURL + ((try? signer.signedPath(method: "GET", path: path, expires: expires)) ?? path)
    }

    public func signedUploadURL(id: UUID, expires: Date) throws -> String {
        baseURL + (try signer.signedPath(method: "PUT", path: "/uploads/\(id.uuidString.lowercased())", expires: expires))
    }

    public func verifyUpload(path: String, expires: Int64, signature: String) throws {
        try verify(method: "PUT", path: path, expires: expires, signature: signature)
    }

    public func verify(method: String, path: String, expires: Int64, signature: String) throws {
        do {
            try signer.verify(method: method, path: path, expires: expires, signature: signature)
        } catch .expired {
            throw APIError(status: 403, code: "url_expired", message: "this signed URL has expired")
        } catch .invalidPath {
            throw APIError.badRequest("invalid path", code: "invalid_path")
        } catch {
            throw APIError(status: 403, code: "invalid_signature", message: "missing or invalid signature")
        }
    }
}
