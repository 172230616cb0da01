/// Where the picture is inside a frame: a re-post often puts a photo on padding, letterbox
/// bars or a screenshot's page (status bar, app header, caption). Hashing this box too lets such
/// a copy meet its original (issue 23). Found on the hash input (≤ 512 px luma), in steps:
///
/// **A uniform frame** (padding, letterbox bars), tried first: from each edge, the lines that are
/// one colour (at least `uniformShare` of the pixels within `tolerance` of the edge line's
/// median) are cut. Exact whatever the picture inside is, so a padded copy's box is its original.
/// A frame on all four sides is padding, and what it holds is the box.
///
/// **The largest band between straight edges** (`edgeBand`) of what is inside that frame (or of
/// the whole plane): where a photo meets an app's header or the white under it, the picture
/// steps sharply across the whole line. A smooth photo (a gradient, a soft wallpaper) has no
/// busy part but does have these edges (bench duplicates, screenshot framing on photos: 37 %
/// found with the busy part alone, 86 % with the band first, 93 % once bars' edges count too).
///
/// **The busy part** of what is inside, when there is no such band: a screenshot's bars carry
/// text, so they are not one colour, but they are quiet.
/// - A line (row or column) is *quiet* when at least 1 − `busyShare` (60 %) of its pixels lie within
///   `tolerance` of the line's median: a flat bar, padding, or a bar with a little text on it
///   (a status bar's clock, a caption). Picture lines are busy: edges and texture everywhere.
/// - Rows are cut from the top and from the bottom until the first run of busy rows at least
///   `runShare` of the height long: quiet rows and short busy runs go (a line of text on a bar,
///   a thin rule). Then columns, the same way, judged over the rows that remain.
///
/// Nothing is cut unless it is clearly a frame (at least 2 % of a side goes) and what stays is
/// still a picture (at least 40 % of each side, 32 px): a page of text, a flat image or a sliver
/// never becomes "the image". A picture's own flat edge or horizon is cut the same way in the
/// image and in its framed copy, so both keep about the same box. The image's own hashes stay
/// those of the whole image (see `ImageAnalysis.hashesWithLookupKeys`); this box only adds a
/// second set.
public struct ContentBox: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    static let tolerance = 12
    static let busyShare = 0.4
    static let minShare = 0.4
    static let minSide = 32
    static let minTrim = 0.02
    static let runShare = 0.06

    static let uniformShare = 0.97

    static let edgeStep = 20
    static let edgeShare = 0.75
    static let barShare = 0.3

    /// The box of `plane`'s picture, or nil when it is the whole plane (or too unsure to cut).
    public static func find(in plane: GrayPixels) -> ContentBox? {
        guard plane.width >= minSide, plane.height >= minSide else { return nil }
        let outer = accepted(uniformFrame(in: plane), in: plane)
        // A one-colour frame on every side is padding: what it holds is the picture, whole.
        if let outer, outer.x > 0, outer.y > 0, outer.x + outer.width < plane.width, outer.y + outer.height < plane.height { return outer }
        let inside = outer.map { plane.cropped(to: $0) } ?? plane
        guard let inner = accepted(edgeBand(of: inside), in: inside) ?? accepted(busyPart(of: inside), in: inside) else { return outer }
        let box = ContentBox(x: inner.x + (outer?.x ?? 0), y: inner.y + (outer?.y ?? 0), width: inner.width, height: inner.height)
        return accepted(box, in: plane) ?? outer
    }

    /// `box` when it is clearly inside a frame and still a picture.
    static func accepted(_ box: ContentBox?, in plane: GrayPixels) -> ContentBox? {
        guard let box else { return nil }
        let (width, height) = (plane.width, plane.height)
        guard Double(box.width) >= Double(width) * minShare, Double(box.height) >= Double(height) * minShare,
              box.width >= minSide, box.height >= minSide else { return nil }
        let trimsWidth = Double(width - box.width) >= Double(width) * minTrim
        let trimsHeight = Double(height - box.height) >= Double(height) * minTrim
        return trimsWidth || trimsHeight ? box : nil
    }

    /// Inside the one-colour lines at each edge.
    static func uniformFrame(in plane: GrayPixels) -> ContentBox? {
        let (width, height) = (plane.width, plane.height)
        func row(_ y: Int, x: Range<Int>) -> [UInt8] { x.map { plane.pixels[y * width + $0] } }
        func column(_ x: Int, y: Range<Int>) -> [UInt8] { y.map { plane.pixels[$0 * width + x] } }
        func uniform(_ line: [UInt8], like colour: Int) -> Bool {
            let near = line.filter { abs(Int($0) - colour) <= tolerance }.count
            return Double(near) >= Double(line.count) * uniformShare
        }
        func median(_ line: [UInt8]) -> Int { Int(line.sorted()[line.count / 2]) }
        var top = 0, bottom = height
        let topColour = median(row(0, x: 0..<width)), bottomColour = median(row(height - 1, x: 0..<width))
        while top < bottom - 1, uniform(row(top, x: 0..<width), like: topColour) { top += 1 }
        while bottom - 1 > top, uniform(row(bottom - 1, x: 0..<width), like: bottomColour) { bottom -= 1 }
        var left = 0, right = width
        let leftColour = median(column(0, y: top..<bottom)), rightColour = median(column(width - 1, y: top..<bottom))
        while left < right - 1, uniform(column(left, y: top..<bottom), like: leftColour) { left += 1 }
        while right - 1 > left, uniform(column(right - 1, y: top..<bottom), like: rightColour) { right -= 1 }
        return ContentBox(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// The largest band between straight edges: rows where the picture steps sharply (by
    /// `edgeStep` over two rows) across at least `edgeShare` of the width — where a photo meets
    /// an app's header or the white under it — split the plane; so does a bar's edge (a
    /// one-colour row next to one that differs from that colour across `barShare` of it: an
    /// app's header over a photo whose top is partly the header's colour). The tallest band
    /// between two of them (or an edge of the plane) is kept, then the same for columns within
    /// it. A photo with no such edge of its own gives the whole plane; one with a straight edge
    /// of its own (a horizon across the frame) is split the same way in the photo and in its
    /// screenshot, so both keep the same band.
    static func edgeBand(of plane: GrayPixels) -> ContentBox? {
        let (width, height) = (plane.width, plane.height)
        guard width >= minSide, height >= minSide else { return nil }
        let rowEdges = edges(count: height, length: width) { y, x in plane.pixels[y * width + x] }
        let (top, bottom) = longestGap(between: rowEdges, length: height)
        let columnEdges = edges(count: width, length: bottom - top) { x, y in plane.pixels[(top + y) * width + x] }
        let (left, right) = longestGap(between: columnEdges, length: width)
        return ContentBox(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// The lines (of `count`, each `length` pixels read through `pixel(line, i)`) that are straight
    /// edges: line `l` when lines `l − 1` and `l + 1` differ by `edgeStep` across `edgeShare` of
    /// their pixels, or when one of them is one colour and the other differs from that colour
    /// by `edgeStep` across `barShare`.
    static func edges(count: Int, length: Int, _ pixel: (Int, Int) -> UInt8) -> [Int] {
        guard count > 2, length > 0 else { return [] }
        let colour: [Int?] = (0..<count).map { line in
            let (median, near) = medianAndNear(count: length) { pixel(line, $0) }
            return Double(near) >= Double(length) * uniformShare ? median : nil
        }
        let stepCount = Int(Double(length) * edgeShare), barCount = Int(Double(length) * barShare)
        return (2..<count).filter { line in
            var steps = 0, offBar = 0, offOtherBar = 0
            for i in 0..<length {
                let a = Int(pixel(line, i)), b = Int(pixel(line - 2, i))
                if abs(a - b) >= edgeStep { steps += 1 }
                if let bar = colour[line - 2], abs(a - bar) >= edgeStep { offBar += 1 }
                if let bar = colour[line], abs(b - bar) >= edgeStep { offOtherBar += 1 }
            }
            return steps >= stepCount || (colour[line - 2] != nil && offBar >= barCount) || (colour[line] != nil && offOtherBar >= barCount)
        }.map { $0 - 1 }
    }

    /// The longest run of lines between edges (an edge line belongs to neither side): [start, end).
    static func longestGap(between edges: [Int], length: Int) -> (Int, Int) {
        var best = (0, 0), start = 0
        for edge in edges + [length] {
            let end = min(edge, length)
            if end - start > best.1 - best.0 { best = (start, end) }
            start = edge + 1
        }
        return best
    }

    /// From the first long run of busy rows to the last, then the same for columns.
    static func busyPart(of plane: GrayPixels) -> ContentBox? {
        let (width, height) = (plane.width, plane.height)
        let rows = (0..<height).map { y in busy(count: width) { plane.pixels[y * width + $0] } }
        guard let (top, bottom) = extent(rows) else { return nil }
        let span = bottom - top
        let columns = (0..<width).map { x in busy(count: span) { plane.pixels[(top + $0) * width + x] } }
        guard let (left, right) = extent(columns) else { return nil }
        return ContentBox(x: left, y: top, width: right - left, height: span)
    }

    /// From the start of the first long run of busy lines to the end of the last: [start, end).
    static func extent(_ lines: [Bool]) -> (Int, Int)? {
        let minRun = max(4, Int(Double(lines.count) * runShare))
        var first: Int?, end: Int?
        var start: Int?
        for (i, isBusy) in (lines + [false]).enumerated() {
            if isBusy, start == nil { start = i }
            if !isBusy, let open = start {
                if i - open >= minRun {
                    if first == nil { first = open }
                    end = i
                }
                start = nil
            }
        }
        guard let first, let end else { return nil }
        return (first, end)
    }

    /// Whether the line of `count` pixels (read through `pixel`) is busy.
    static func busy(count: Int, _ pixel: (Int) -> UInt8) -> Bool {
        let (_, near) = medianAndNear(count: count, pixel)
        return Double(count - near) > Double(count) * busyShare
    }

    /// A line's median level and how many of its `count` pixels lie within `tolerance` of it.
    static func medianAndNear(count: Int, _ pixel: (Int) -> UInt8) -> (median: Int, near: Int) {
        var histogram = [Int](repeating: 0, count: 256)
        for i in 0..<count { histogram[Int(pixel(i))] += 1 }
        var median = 0, seen = 0
        while median < 255 {
            seen += histogram[median]
            if seen * 2 >= count { break }
            median += 1
        }
        return (median, histogram[max(0, median - tolerance)...min(255, median + tolerance)].reduce(0, +))
    }

}

extension GrayPixels {
    func cropped(to box: ContentBox) -> GrayPixels {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(box.width * box.height)
        for y in box.y..<(box.y + box.height) { pixels += self.pixels[(y * width + box.x)..<(y * width + box.x + box.width)] }
        return GrayPixels(width: box.width, height: box.height, pixels: pixels)
    }
}

extension LumaPlane {
    /// The plane cut to its `ContentBox` (itself when there is no frame to cut).
    public func trimmedToContent() throws -> LumaPlane {
        guard let box = ContentBox.find(in: try pixels()) else { return self }
        return LumaPlane(try image.extract(left: box.x, top: box.y, width: box.width, height: box.height).inMemory())
    }
}
