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
    /// nil when no detector was given.
    var faces: [FaceAnalysis.Face]?

    public init(header: ImageHeader, thumbnails: [Thumbnail], hashes: ImageHashes) {
        self.header = header
        self.thumbnails = thumbnails
        self.hashes = hashes
    }

    /// Face detection settings for a run; nil skips detection.
    public struct FaceDetection: Sendable {
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
                           faces: FaceDetection? = nil, anonymizeThumbnails: Bool = false) throws -> ImageAnalysis {
        let header = try ImageProbe.probe(bytes)
        let decoded = try DecodedImage(bytes, maxDimension: decodeSize(header), limits: limits)
        let found = try faces.map { try FaceAnalysis.run(decoded, header: header, detector: $0.detector, minConfidence: $0.minConfidence) }
        var source = decoded
        if anonymizeThumbnails, let found, !found.isEmpty {
            let masked = try Anonymizer.anonymize(decoded, faces: found.map(\.face.anonymizerFace), options: .default, as: .png)
            source = try DecodedImage(masked.data, maxDimension: max(decoded.width, decoded.height))
        }
        // Thumbnails are squares; an image smaller than a size gets its largest centred square.
        let shortSide = min(source.width, source.height)
        let thumbnails = try thumbnailSizes.map { size in
            let side = min(size.side, shortSide)
            return Thumbnail(name: size.name,
                             image: try source.thumbnail(.cover(width: side, height: side), as: .webp(quality: thumbnailQuality)))
        }
        var analysis = ImageAnalysis(header: header, thumbnails: thumbnails, hashes: try hashes(of: decoded))
        analysis.faces = found
        return analysis
    }

    /// Hashes only (for `facepipe hash`): a smaller decode suffices.
    public static func hashes(of bytes: Data, limits: ImageLimits = .unlimited) throws -> ImageHashes {
        try hashes(of: DecodedImage(bytes, maxDimension: 512, limits: limits))
    }

    static func hashes(of decoded: DecodedImage) throws -> ImageHashes {
        let a = try PerceptualHash.aHash(decoded.luma(width: 8, height: 8).pixels)
        let d = try PerceptualHash.dHash(decoded.luma(width: 9, height: 8).pixels)
        let p = try PerceptualHash.pHash(decoded.luma(width: 32, height: 32).pixels)
        let luma = try decoded.luma(maxDimension: 512)
        let pdq = try PerceptualHash.pdq(luma: luma.pixels, width: luma.width, height: luma.height)
        return ImageHashes(ahash: a, dhash: d, phash: p, pdq: pdq.hash, pdqQuality: pdq.quality)
    }

    /// The long side to decode at so the short side still covers the largest (square) thumbnail.
    static func decodeSize(_ header: ImageHeader) -> Int {
        let long = max(header.uprightWidth, header.uprightHeight)
        let short = max(1, min(header.uprightWidth, header.uprightHeight))
        let largest = thumbnailSizes.map(\.side).max() ?? 800
        let needed = (largest * long + short - 1) / short
        return max(1, min(long, max(needed, 512)))
    }
}
