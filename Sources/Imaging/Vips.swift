import CVips

/// Calls into CVips and turns failures into `ImagingError`s carrying libvips'
/// message. libvips has one process-wide error buffer that also collects
/// warnings from calls that succeed, so each call notes where the buffer ended
/// before it ran and takes only what was added after (then clears it).
enum Vips {
    static func image(
        _ failure: (String) -> ImagingError, _ body: () -> OpaquePointer?
    ) throws -> VipsImage {
        let mark = cvips_error_mark()
        guard let pointer = body() else { throw failure(takeError(since: mark)) }
        cvips_error_tidy()
        return VipsImage(taking: pointer)
    }

    static func check(_ failure: (String) -> ImagingError, _ body: () -> Int32) throws {
        let mark = cvips_error_mark()
        guard body() == 0 else { throw failure(takeError(since: mark)) }
        cvips_error_tidy()
    }

    static func takeError(since mark: Int) -> String {
        guard let raw = cvips_error_take(mark) else { return "libvips gave no message" }
        defer { cvips_free(raw) }
        let lines = String(cString: raw).split(whereSeparator: \.isNewline)
        var unique: [Substring] = []
        for line in lines where !unique.contains(line) { unique.append(line) }
        return unique.isEmpty ? "libvips gave no message" : unique.joined(separator: "; ")
    }
}
