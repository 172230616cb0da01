import FacepipeCore
import Foundation
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// The media store failing in a way the caller can wait out: the disk is full (507
/// `insufficient_storage`) or the S3 endpoint cannot be reached or answers 5xx (503
/// `storage_unavailable`). Nothing half-stored remains either way: an upload's original is
/// written before its row, and a failed write leaves no row (and the spool file goes with the
/// request).
enum StorageOutage {
    static func answer(for error: any Error) -> APIError? {
        switch error {
        case let error as MediaStoreError:
            if case .io(_, _, let code) = error, code == ENOSPC || code == EDQUOT {
                return APIError(status: 507, code: "insufficient_storage",
                                message: "the media store is full; nothing was stored, retry once space is freed", retryAfterSeconds: 60)
            }
            return nil
        case let error as S3Error where error.status >= 500:
            return unavailable
        default:
            // The S3 client's transport errors (connection refused, reset, timed out).
            let name = String(reflecting: type(of: error))
            if ["HTTPClientError", "NIOConnectionError", "ChannelError", "IOError"].contains(where: name.contains) { return unavailable }
            return nil
        }
    }

    static var unavailable: APIError {
        APIError(status: 503, code: "storage_unavailable", message: "the media store cannot be reached; nothing was stored, retry shortly",
                 retryAfterSeconds: 10)
    }
}
