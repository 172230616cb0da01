import FacepipeCore
import Storage

/// The links to an image's derived files that a caller is handed: which files by role (the
/// rule is `ImageRecord.visibleThumbnails`), each behind a signed, short-lived URL. The JSON
/// API, the pages and face search all take their media links from here, so no answer or page
/// can show a caller below gold a face the others hide (issue 22).
public struct DerivativeLinks: Sendable {
    let links: MediaLinks
    let policy: AccessPolicy

    public init(links: MediaLinks, policy: AccessPolicy) {
        self.links = links
        self.policy = policy
    }

    /// Size name (`thumb`, `medium`, `large`) → link, for what `caller` may see of `image`, and
    /// `blurred` (the medium size, faces blurred) when the image has faces.
    public func thumbnails(of image: ImageRecord, for caller: Caller) -> [String: String] {
        var keys = image.visibleThumbnails(showingFaces: policy.allows(caller, .seeUnmasked))
        if image.thumbnails["blurred"] != nil, let blurred = image.visibleThumbnails(showingFaces: false)["medium"] { keys["blurred"] = blurred }
        return keys.mapValues { links.url(forKey: $0) }
    }

    /// The whole picture as `caller` may see it (`ImageRecord.visibleView`), nil when there is none.
    public func view(of image: ImageRecord, for caller: Caller) -> String? {
        image.visibleView(showingFaces: policy.allows(caller, .seeUnmasked)).map { links.url(forKey: $0) }
    }

    /// The thumbnail of an image a face was found in: as made for gold and admin, the blurred
    /// copy below (none when there is no blurred copy: never the unblurred one instead).
    public func faceThumbnail(unmasked: String?, masked: String?, for caller: Caller) -> String? {
        (policy.allows(caller, .seeUnmasked) ? unmasked : masked).map { links.url(forKey: $0) }
    }

    /// An anonymized copy: below gold only one that masks faces and passed verification (a
    /// `none` copy or one with faces left shows them); gold and admin every finished copy.
    public func variant(_ variant: ProcessedVariant, for caller: Caller) -> String? {
        guard policy.allows(caller, .seeUnmasked) || variant.isPubliclyShowable else { return nil }
        return variant.mediaKey.map { links.url(forKey: $0) }
    }

    /// How long the links live (pages say so).
    public var ttlSeconds: Int { links.ttlSeconds }
}
