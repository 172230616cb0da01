/// Separable triangle-filter (bilinear) resampling weights, widened when shrinking so every
/// source pixel contributes (like PIL's BILINEAR): no aliasing on large reductions, plain
/// bilinear interpolation when enlarging. Stored flat, for tight loops even in debug builds.
struct Resampler {
    /// Output index i reads `counts[i]` source indices from `starts[i]`, with the weights at
    /// `weights[offsets[i]...]` (summing to 1).
    let starts: [Int]
    let counts: [Int]
    let offsets: [Int]
    let weights: [Float]

    init(from source: Int, to target: Int) {
        let scale = Double(source) / Double(target)
        let width = max(1, scale)  // filter stretch: > 1 when shrinking
        var starts: [Int] = [], counts: [Int] = [], offsets: [Int] = [], weights: [Float] = []
        for index in 0..<target {
            let centre = (Double(index) + 0.5) * scale
            let first = min(source - 1, max(0, Int((centre - width + 0.5).rounded(.down))))
            let end = max(first + 1, min(source, Int((centre + width + 0.5).rounded(.down))))
            let taps: [Double] = (first..<end).map { (tap: Int) -> Double in
                let distance: Double = abs((Double(tap) + 0.5 - centre) / width)
                return max(0, 1 - distance)
            }
            let sum = taps.reduce(0, +)
            starts.append(first)
            counts.append(taps.count)
            offsets.append(weights.count)
            // sum is 0 only if no tap is within reach (cannot happen; keep the nearest then).
            weights += sum > 0 ? taps.map { Float($0 / sum) } : [1] + Array(repeating: 0, count: taps.count - 1)
        }
        self.starts = starts
        self.counts = counts
        self.offsets = offsets
        self.weights = weights
    }
}
