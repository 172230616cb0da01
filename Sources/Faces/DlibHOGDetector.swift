import FacepipeCore
import CDlib
import Imaging

/// dlib's HOG + linear SVM frontal face detector, for tests and tools (the service uses
/// CenterFace). Slow (0.3–0.8 s for a 1–3 MP photo) and frontal faces only, but it needs no
/// model file and is what dlib's embedder was tuned with. Stateless and thread-safe.
public enum DlibHOGDetector {
    /// Face boxes, most confident first. `upsample`: 0...2 image doublings (smaller faces, 4× slower each).
    public static func detect(_ image: RGBPixels, upsample: Int = 0, maxFaces: Int = 64) throws -> [FaceBox] {
        guard (0...2).contains(upsample), (0...4096).contains(maxFaces) else {
            throw EmbedderError.invalidArgument("upsample \(upsample) (0...2), maxFaces \(maxFaces) (0...4096)")
        }
        var boxes = [Float](repeating: 0, count: maxFaces * 4)
        var found: Int32 = 0
        let failure = try DlibCall.withImage(image) { pixels, width, height, stride in
            DlibCall.error { error, size in
                cdlib_detect_hog(pixels, width, height, stride, Int32(upsample), &boxes, Int32(maxFaces), &found, error, size)
            }
        }
        if let failure { throw EmbedderError.embeddingFailed(failure) }
        return (0..<min(Int(found), maxFaces)).map { i in
            FaceBox(x: boxes[4 * i], y: boxes[4 * i + 1], width: boxes[4 * i + 2], height: boxes[4 * i + 3])
        }
    }
}
