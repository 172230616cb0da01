import Foundation
import Testing

@testable import Faces

/// The decoding rules of deface 1.5.0's CenterFace.decode, on hand-made output maps.
@Suite struct CenterFaceDecoderTests {
    /// Maps of rows × columns cells (an input of 4·rows × 4·columns pixels), all zero.
    struct Maps {
        var rows: Int, columns: Int
        var heatmap, scale, offset, landmarks: [Float]

        init(rows: Int, columns: Int) {
            self.rows = rows
            self.columns = columns
            let plane = rows * columns
            heatmap = Array(repeating: 0, count: plane)
            scale = Array(repeating: 0, count: 2 * plane)
            offset = Array(repeating: 0, count: 2 * plane)
            landmarks = Array(repeating: 0, count: 10 * plane)
        }

        /// A face centred on cell (row, column): box height/width in pixels, landmark k at
        /// (lx[k], ly[k]) as fractions of the box from its top-left corner.
        mutating func face(row: Int, column: Int, score: Float, height: Float, width: Float,
                           offsetY: Float = 0, offsetX: Float = 0) {
            let plane = rows * columns, cell = row * columns + column
            heatmap[cell] = score
            scale[cell] = log(height / 4)
            scale[plane + cell] = log(width / 4)
            offset[cell] = offsetY
            offset[plane + cell] = offsetX
            for k in 0..<5 {
                landmarks[(2 * k) * plane + cell] = 0.2 * Float(k) + 0.1      // y fraction
                landmarks[(2 * k + 1) * plane + cell] = 0.1 * Float(k) + 0.05  // x fraction
            }
        }

        func decode(threshold: Float = 0.5, width: Int? = nil, height: Int? = nil) throws -> [CenterFaceDecoder.Candidate] {
            try CenterFaceDecoder(threshold: threshold, nmsThreshold: 0.3).decode(
                heatmap: FloatTensor(shape: [1, 1, rows, columns], values: heatmap),
                scale: FloatTensor(shape: [1, 2, rows, columns], values: scale),
                offset: FloatTensor(shape: [1, 2, rows, columns], values: offset),
                landmarks: FloatTensor(shape: [1, 10, rows, columns], values: landmarks),
                width: width ?? 4 * columns, height: height ?? 4 * rows)
        }
    }

    @Test func aCellBecomesABoxAroundItsCentre() throws {
        var maps = Maps(rows: 16, columns: 16)
        maps.face(row: 8, column: 6, score: 0.9, height: 24, width: 20, offsetY: 0.25, offsetX: -0.5)
        let face = try #require(try maps.decode().first)
        // centre x = (6 - 0.5 + 0.5) · 4 = 24, y = (8 + 0.25 + 0.5) · 4 = 35
        let corners = [face.x1, face.y1, face.x2, face.y2]
        #expect(zip(corners, [14, 23, 34, 47] as [Float]).allSatisfy { abs($0 - $1) < 1e-4 }, "\(corners)")
        #expect(face.score == 0.9)
        // landmark k: x = (0.1k + 0.05) · width + x1, y = (0.2k + 0.1) · height + y1
        for k in 0..<5 {
            #expect(abs(face.landmarks[2 * k] - ((0.1 * Float(k) + 0.05) * 20 + 14)) < 1e-4)
            #expect(abs(face.landmarks[2 * k + 1] - ((0.2 * Float(k) + 0.1) * 24 + 23)) < 1e-4)
        }
    }

    @Test func theThresholdIsStrict() throws {
        var maps = Maps(rows: 8, columns: 8)
        maps.face(row: 4, column: 4, score: 0.5, height: 8, width: 8)
        #expect(try maps.decode(threshold: 0.5).isEmpty)
        #expect(try maps.decode(threshold: 0.49).count == 1)
    }

    @Test func boxesAtTheEdgeKeepTheirSizeAfterClampingTheCorner() throws {
        // deface clamps x1/y1 to 0 first, then adds the full size (clipped to the image).
        var maps = Maps(rows: 8, columns: 8)
        maps.face(row: 0, column: 0, score: 0.8, height: 16, width: 12)
        let face = try #require(try maps.decode().first)
        #expect(face.x1 == 0 && face.y1 == 0 && abs(face.x2 - 12) < 1e-4 && abs(face.y2 - 16) < 1e-4)
        // …and stop at the image (not the padded input) on the other side.
        var right = Maps(rows: 8, columns: 8)
        right.face(row: 4, column: 7, score: 0.8, height: 8, width: 8)
        let clipped = try #require(try right.decode(width: 29).first)
        #expect(abs(clipped.x1 - 26) < 1e-4 && clipped.x2 == 29)
    }

    @Test func overlappingWeakerBoxesAreSuppressed() throws {
        var maps = Maps(rows: 16, columns: 16)
        maps.face(row: 8, column: 8, score: 0.7, height: 24, width: 24)
        maps.face(row: 8, column: 9, score: 0.9, height: 24, width: 24)  // IoU 0.71 with the first
        maps.face(row: 2, column: 2, score: 0.6, height: 8, width: 8)    // apart
        let faces = try maps.decode()
        #expect(faces.map(\.score) == [0.9, 0.6])
    }

    @Test func mismatchedMapsAreRejected() throws {
        let decoder = CenterFaceDecoder(threshold: 0.5, nmsThreshold: 0.3)
        let heat = try FloatTensor(shape: [1, 1, 2, 2], values: [0, 0, 0, 0])
        let two = try FloatTensor(shape: [1, 2, 2, 2], values: Array(repeating: 0, count: 8))
        let wrong = try FloatTensor(shape: [1, 10, 2, 3], values: Array(repeating: 0, count: 60))
        #expect(throws: InferenceError.self) {
            try decoder.decode(heatmap: heat, scale: two, offset: two, landmarks: wrong, width: 8, height: 8)
        }
    }
}
