import CVips
import Foundation

/// Thin Swift faces of the CVips operations; each returns a new image.
extension VipsImage {
    /// Opens lazily: only the header is read until pixels are requested.
    static func load(_ bytes: UnsafeRawBufferPointer, strictness: DecodeStrictness, sequential: Bool)
        throws -> VipsImage
    {
        try Vips.image(ImagingError.invalidImage) {
            cvips_load(bytes.baseAddress, bytes.count, strictness.rawValue, sequential ? 1 : 0)
        }
    }

    static func load(path: String, strictness: DecodeStrictness, sequential: Bool) throws -> VipsImage {
        try Vips.image(ImagingError.invalidImage) {
            cvips_load_file(path, strictness.rawValue, sequential ? 1 : 0)
        }
    }

    /// Shrink-on-load thumbnail of encoded bytes: first page, EXIF-upright,
    /// colour-managed to sRGB (CMYK too). Pixels are computed on demand.
    static func thumbnail(
        _ bytes: UnsafeRawBufferPointer, width: Int, height: Int, cropCentre: Bool,
        size: Int32, strictness: DecodeStrictness
    ) throws -> VipsImage {
        try Vips.image(ImagingError.invalidImage) {
            cvips_thumbnail_buffer(
                bytes.baseAddress, bytes.count, Int32(clamping: width), Int32(clamping: height),
                cropCentre ? 1 : 0, size, strictness.rawValue)
        }
    }

    func thumbnail(width: Int, height: Int, cropCentre: Bool, size: Int32) throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) {
            cvips_thumbnail_image(
                pointer, Int32(clamping: width), Int32(clamping: height), cropCentre ? 1 : 0, size)
        }
    }

    /// A `side`×`side` tile cut where libvips' attention measure finds the subject.
    func attentionSquare(side: Int, size: Int32) throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) {
            cvips_thumbnail_image(pointer, Int32(clamping: side), Int32(clamping: side), 2, size)
        }
    }

    func extract(left: Int, top: Int, width: Int, height: Int) throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) {
            cvips_extract(pointer, Int32(clamping: left), Int32(clamping: top), Int32(clamping: width), Int32(clamping: height))
        }
    }

    /// 8-bit sRGB, 3 bands (4 with alpha).
    func srgb8() throws -> VipsImage {
        try Vips.image(ImagingError.invalidImage) { cvips_to_srgb8(pointer) }
    }

    /// Alpha composited over white, no alpha band.
    func flattened() throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) { cvips_flatten_white(pointer) }
    }

    /// One band: round(0.299 R′ + 0.587 G′ + 0.114 B′) of the 8-bit sRGB values.
    func luma() throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) { cvips_luma(pointer) }
    }

    /// Renders the pipeline into memory (decodes now, never again).
    func inMemory() throws -> VipsImage {
        try Vips.image(ImagingError.invalidImage) { cvips_copy_memory(pointer) }
    }

    /// A new header over the same pixels, private to the caller.
    func mirrored() throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) { cvips_flip_horizontal(pointer) }
    }

    func rotated(degrees: Double) throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) { cvips_rotate(pointer, degrees) }
    }

    /// On a `width` × `height` canvas of one colour, at (x, y).
    func embedded(x: Int, y: Int, width: Int, height: Int, _ colour: (Double, Double, Double)) throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) {
            cvips_embed(pointer, Int32(clamping: x), Int32(clamping: y), Int32(clamping: width), Int32(clamping: height),
                        colour.0, colour.1, colour.2)
        }
    }

    func linear(_ a: Double, _ b: Double) throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) { cvips_linear_uchar(pointer, a, b) }
    }

    func copy() throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) { cvips_copy(pointer) }
    }

    /// Decodes every pixel, failing on damage the loader was told to fail on.
    func touchAllPixels() throws {
        try Vips.check(ImagingError.invalidImage) { cvips_touch(pointer) }
    }

    /// The pixels, interleaved, one byte per sample (8-bit images only).
    func pixelBytes() throws -> [UInt8] {
        var length = 0
        let mark = cvips_error_mark()
        guard let memory = cvips_pixels(pointer, &length) else {
            throw ImagingError.operationFailed(Vips.takeError(since: mark))
        }
        defer { cvips_free(memory) }
        return [UInt8](UnsafeRawBufferPointer(start: memory, count: length))
    }

    /// Encodes with libvips' `strip` on; callers remove metadata fields first.
    func save(_ format: Int32, quality: Int, progressive: Bool, strip: Bool = true) throws -> Data {
        var length = 0
        let mark = cvips_error_mark()
        guard
            let memory = cvips_save(
                pointer, format, Int32(clamping: quality), strip ? 1 : 0, progressive ? 1 : 0,
                &length)
        else {
            throw ImagingError.operationFailed(Vips.takeError(since: mark))
        }
        defer { cvips_free(memory) }
        return Data(bytes: memory, count: length)
    }
}
