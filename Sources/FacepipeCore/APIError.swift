/// An error a client can act on: an HTTP status, a stable machine-readable code and a message.
/// The server renders it as `{"error":{"code","message"}}`.
public struct APIError: Error, Equatable, CustomStringConvertible {
    public var httpStatus: Int
    public var code: String
    public var message: String
    /// Sent as `Retry-After` (429 and 503 answers).
    public var retryAfterSeconds: Int?
    /// Faces found in a face-search query that was refused (`no_face`, `multiple_faces`), in
    /// fractions of the image's width and height, so a client can show the user why.
    public var faces: [FaceDetection]?

    public init(status: Int, code: String, message: String, retryAfterSeconds: Int? = nil) {
        self.httpStatus = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(httpStatus) \(code): \(message)" }

    public static func badRequest(_ message: String, code: String = "bad_request") -> APIError {
        APIError(status: 400, code: code, message: message)
    }
    public static func notFound(_ message: String, code: String = "not_found") -> APIError {
        APIError(status: 404, code: code, message: message)
    }
    public static func conflict(_ message: String, code: String = "conflict") -> APIError {
        APIError(status: 409, code: code, message: message)
    }
    /// No credential, or one that is invalid, revoked or expired (sent with `WWW-Authenticate`).
    public static func unauthenticated(_ message: String) -> APIError {
        APIError(status: 401, code: "unauthenticated", message: message)
    }
    /// A valid credential whose role does not allow the action.
    public static func forbidden(_ message: String) -> APIError {
        APIError(status: 403, code: "forbidden", message: message)
    }
    public static func unavailable(_ message: String, code: String = "unavailable") -> APIError {
        APIError(status: 503, code: code, message: message)
    }
}

