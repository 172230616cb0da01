/// PDQ's blur-and-decimate step, transcribed from the reference
/// (ThreatExchange `pdq/cpp/downscaling/downscaling.cpp`).
///
/// Two rounds of (box filter along rows, then along columns) approximate a tent filter
/// (Jarosz); each box window is ceil(dimension / 128), half a 64th of the image, so two
/// rounds cover one output cell. The 64×64 result samples the blurred image at the
/// centre of each output cell. All arithmetic is `Float` in the reference's order, so
/// hashes match the reference bit for bit rather than approximately.
enum PDQDownsampling {
    static let passes = 2

    /// Reference `computeJaroszFilterWindowSize`: ceil(old / (2·new)).
    static func windowSize(oldDimension: Int, newDimension: Int) -> Int {
        (oldDimension + 2 * newDimension - 1) / (2 * newDimension)
    }

    /// Blurs `buffer` (rows × columns, row-major) in place; `scratch` is the same size.
    static func jaroszFilter(
        _ buffer: inout [Float], scratch: inout [Float], rows: Int, columns: Int,
        windowAlongRows: Int, windowAlongColumns: Int
    ) {
        buffer.withUnsafeMutableBufferPointer { one in
            scratch.withUnsafeMutableBufferPointer { two in
                for _ in 0..<passes {
                    for row in 0..<rows {
                        box1D(one, two, start: row * columns, length: columns, stride: 1, window: windowAlongRows)
                    }
                    for column in 0..<columns {
                        box1D(two, one, start: column, length: rows, stride: columns, window: windowAlongColumns)
                    }
                }
            }
        }
    }

    /// Reference `box1DFloat`: a centred running mean whose window shrinks at the edges
    /// (the sum is divided by the number of samples actually in it).
    static func box1D(
        _ input: UnsafeMutableBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
        start: Int, length: Int, stride: Int, window: Int
    ) {
        let halfWindow = (window + 2) / 2
        var left = start, right = start, out = start
        var sum: Float = 0
        var current = 0
        // Accumulate the leading half window without writing.
        for _ in 0..<(halfWindow - 1) {
            sum += input[right]
            current += 1
            right += stride
        }
        // Window still growing.
        for _ in 0..<(window - halfWindow + 1) {
            sum += input[right]
            current += 1
            output[out] = sum / Float(current)
            right += stride
            out += stride
        }
        // Full window sliding.
        for _ in 0..<(length - window) {
            sum += input[right]
            sum -= input[left]
            output[out] = sum / Float(current)
            left += stride
            right += stride
            out += stride
        }
        // Window shrinking at the far edge.
        for _ in 0..<(halfWindow - 1) {
            sum -= input[left]
            current -= 1
            output[out] = sum / Float(current)
            left += stride
            out += stride
        }
    }

    /// Reference `decimateFloat`: nearest sample at each output cell's centre.
    static func decimate(_ input: [Float], rows: Int, columns: Int, to size: Int) -> [Float] {
        var output = [Float](repeating: 0, count: size * size)
        for outRow in 0..<size {
            let inRow = Int((Double(outRow) + 0.5) * Double(rows) / Double(size))
            for outColumn in 0..<size {
                let inColumn = Int((Double(outColumn) + 0.5) * Double(columns) / Double(size))
                output[outRow * size + outColumn] = input[inRow * columns + inColumn]
            }
        }
        return output
    }
}
