/// The one way out of Imaging: sRGB 8-bit, metadata fields removed, saved
/// with libvips' `strip` as well, and WebP chunks cleaned after the save.
enum Encoder {
    static func encode(_ image: VipsImage, as format: EncodeFormat) throws -> EncodedImage {
        guard (1...100).contains(format.quality) else {
            throw ImagingError.invalidArgument("quality \(format.quality) is not in 1...100")
        }
        var output = try image.srgb8()
        if case .jpeg = format { output = try output.flattened() }
        output = try output.withoutMetadata()
        var data = try output.save(
            format.saver, quality: format.quality, progressive: format.progressive)
        if case .webp = format { data = try WebPMetadataStripper.strip(data) }
        let header = output.header
        return EncodedImage(
            data: data, format: format.mediaType, width: Int(header.width),
            height: Int(header.height))
    }
}
