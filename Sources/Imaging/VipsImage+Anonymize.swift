import CVips

/// Swift faces of the anonymization operations in cvips_anonymize.c; each
/// returns a new (lazy) image with one area changed.
extension VipsImage {
    func blurred(_ mask: AnonymizationMask, sigmaX: Double, sigmaY: Double, ellipse: Bool) throws
        -> VipsImage
    {
        try Vips.image(ImagingError.operationFailed) {
            cvips_blur_area(
                pointer, Int32(mask.x), Int32(mask.y), Int32(mask.width), Int32(mask.height),
                sigmaX, sigmaY, ellipse ? 1 : 0)
        }
    }

    func pixelated(_ mask: AnonymizationMask, tileSize: Int, ellipse: Bool) throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) {
            cvips_pixelate_area(
                pointer, Int32(mask.x), Int32(mask.y), Int32(mask.width), Int32(mask.height),
                Int32(clamping: tileSize), ellipse ? 1 : 0)
        }
    }

    func filled(_ mask: AnonymizationMask, _ colour: (Double, Double, Double), ellipse: Bool) throws
        -> VipsImage
    {
        try Vips.image(ImagingError.operationFailed) {
            cvips_fill_area(
                pointer, Int32(mask.x), Int32(mask.y), Int32(mask.width), Int32(mask.height),
                colour.0, colour.1, colour.2, ellipse ? 1 : 0)
        }
    }

    func outlined(_ mask: AnonymizationMask, thickness: Int, _ colour: (Double, Double, Double))
        throws -> VipsImage
    {
        try Vips.image(ImagingError.operationFailed) {
            cvips_draw_outline(
                pointer, Int32(mask.x), Int32(mask.y), Int32(mask.width), Int32(mask.height),
                Int32(clamping: thickness), colour.0, colour.1, colour.2)
        }
    }

    func labelled(
        _ text: String, x: Int, y: Int, textHeight: Int, _ colour: (Double, Double, Double)
    ) throws -> VipsImage {
        try Vips.image(ImagingError.operationFailed) {
            cvips_draw_label(
                pointer, text, Int32(clamping: x), Int32(clamping: y), Int32(clamping: textHeight),
                colour.0, colour.1, colour.2)
        }
    }
}
