import FacepipeCore
import CVips
import Foundation

/// Reads image headers without decoding pixels, so ingest can reject
/// oversized images and pixel bombs before spending memory on them.
public enum ImageProbe {
    /// Probes encoded bytes. Throws `unsupportedFormat` for anything but
    /// JPEG, PNG, WebP, GIF, HEIF and AVIF, `invalidImage` for a broken header.
    public static func probe(_ bytes: some ContiguousBytes) throws -> ImageHeader {
        try bytes.withUnsafeBytes { try probe(buffer: $0).header }
    }

    /// Probes a file on disk.
    public static func probe(fileAt path: String) throws -> ImageHeader {
        try VipsRuntime.ensureStarted()
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ImagingError.invalidImage("cannot read \(path)")
        }
        guard let loader = cvips_find_file_loader(path).map({ String(cString: $0) }),
            MediaType(loader: loader, heifCompression: nil) != nil
        else { throw ImagingError.unsupportedFormat }
        let image = try VipsImage.load(path: path, strictness: .lenient, sequential: true)
        return try header(of: image, loader: loader)
    }

    /// Probe plus the lazily opened image (header read, no pixels decoded).
    static func probe(buffer: UnsafeRawBufferPointer) throws -> (header: ImageHeader, image: VipsImage) {
        try VipsRuntime.ensureStarted()
        guard buffer.count > 0,
            let loader = cvips_find_loader(buffer.baseAddress, buffer.count).map({ String(cString: $0) }),
            MediaType(loader: loader, heifCompression: nil) != nil
        else { throw ImagingError.unsupportedFormat }
        let image = try VipsImage.load(buffer, strictness: .lenient, sequential: true)
        return (try header(of: image, loader: loader), image)
    }

    static func header(of image: VipsImage, loader: String) throws -> ImageHeader {
        guard let format = MediaType(loader: loader, heifCompression: image.string("heif-compression"))
        else { throw ImagingError.unsupportedFormat }
        let raw = image.header
        return ImageHeader(
            format: format, width: Int(raw.width), height: Int(raw.height), bands: Int(raw.bands),
            hasAlpha: raw.has_alpha != 0, orientation: Int(raw.orientation),
            pageCount: Int(raw.pages),
            colourSpace: ColourSpace(rawValue: raw.interpretation.map { String(cString: $0) } ?? "multiband"),
            bitsPerSample: Int(raw.bits_per_sample))
    }
}
