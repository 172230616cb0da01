import FacepipeCore
import Foundation
import Queue
import Storage

extension MediaStore {
    /// A stored file a job cannot do without (an original, a face crop). A missing one fails the
    /// job for good: retrying cannot bring it back. A store that is down throws its own error,
    /// and the job is retried.
    /// - Parameter what: how the error names it ("original", "face crop").
    func required(_ key: String, _ what: String, maxBytes: Int = 1 << 30) async throws -> Data {
        guard let buffer = try await get(try MediaKey(key), maxBytes: maxBytes) else {
            throw PermanentJobError("\(what) \(key) is missing from the media store")
        }
        return Data(buffer.readableBytesView)
    }
}
