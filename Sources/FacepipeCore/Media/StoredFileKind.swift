/// Every kind of file facepipe writes for an image. Each is recorded in `image_files` where it
/// is written, so erasure deletes exactly what exists, whatever the store.
public enum StoredFileKind: String, Sendable, Codable, CaseIterable {
    case original
    case thumbnail
    case faceCrop = "face_crop"
    case processed
}
