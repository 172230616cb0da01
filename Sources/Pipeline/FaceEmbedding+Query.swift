import FacepipeCore
import Faces
import Foundation
import Imaging

extension FaceEmbedding {
    /// What a face-search query image holds: its faces and, when there is exactly one, that
    /// face's embedding.
    public struct Query: Sendable {
        /// Faces in `width` × `height` pixel coordinates (the image as the detector saw it, upright).
        public var faces: [FaceDetection]
        public var width: Int
        public var height: Int
        public var embedding: [Float]?
    }

    /// Detects and embeds the face of a query image, decoding as little as the face allows.
    ///
    /// One decode at the detector's size (a 12 MP JPEG shrinks on load at 1/4, several times
    /// cheaper than the 1600 px decode this replaced). A face at least as large there as it
    /// is in dlib's aligned chip (`DlibFaceEmbedder.faceSideInChip`, 100 px) is embedded from
    /// the same pixels: its chip is then shrunk, never enlarged, as it is from a stored face
    /// crop (faces up to 160 px; the embed job works from those), so a query and the faces it
    /// is compared with are seen alike. Only a smaller face (a distant one in a camera
    /// original) costs a second decode, just large enough (`decodeSize`, as the embed job
    /// decodes an original). Decoding at 1/4 and resizing from that for the detector was
    /// measured slower: the resize costs more than the extra pixels save.
    ///
    /// Pure and synchronous (tens of ms of CPU): call it off the event loop. Safe from any
    /// thread: the detector and the embedder are.
    public static func query(_ bytes: Data, detector: CenterFaceDetector, embedder: any FaceEmbedder) throws -> Query {
        let header = try ImageProbe.probe(bytes)
        let detectionSize = detector.configuration.detectionSize
        let pixels = try DecodedImage(bytes, maxDimension: detectionSize).rgb(maxDimension: detectionSize)
        let faces = try detector.detect(pixels)
        var query = Query(faces: faces, width: pixels.width, height: pixels.height, embedding: nil)
        guard faces.count == 1, let detection = faces.first else { return query }
        let side = Double(max(detection.box.width, detection.box.height))
        if side >= DlibFaceEmbedder.faceSideInChip || pixels.width >= header.uprightWidth {
            query.embedding = try embedder.embed(pixels, faces: [detection.box]).first
            return query
        }
        // A small face in a large original: the decode the embed job would make from it.
        let box = detection.scaled(x: Float(header.uprightWidth) / Float(pixels.width), y: Float(header.uprightHeight) / Float(pixels.height)).box
        query.embedding = try embed(bytes, faces: [box], embedder: embedder).first
        return query
    }
}
