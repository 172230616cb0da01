import TestSupport
import Foundation
import Testing

@testable import Imaging

/// No EXIF (camera, GPS), XMP or ICC data may leave Imaging, in any output
/// format — Debian's libvips 8.14 ignores `strip` for WebP, so this is the
/// test that the fields are removed before saving.
@Suite struct MetadataStripTests {
    static let exif = ExifBlob(make: "FacepipeCam", model: "Model-X9", orientation: 3)

    /// A JPEG that carries make/model, GPS position, orientation and XMP.
    static func taggedJPEG() throws -> Data {
        let image = try Fixture.withExif(
            Fixture.image(.quadrants(width: 160, height: 120).stored(forOrientation: 3)), exif, xmp: true)
        return try Fixture.encode(image, .jpeg)
    }

    static let outputFormats: [EncodeFormat] = [.webp(), .jpeg(), .png]

    @Test func fixtureReallyCarriesTheMetadata() throws {
        let data = try Self.taggedJPEG()
        #expect(data.containsASCII("Exif"))
        #expect(data.containsASCII("FacepipeCam") && data.containsASCII("Model-X9"))
        #expect(data.contains(ExifBlob.latitudeSecondsBytes))
        #expect(data.containsASCII(XMPPacket.marker))
        let fields = try Fixture.metadataFields(data)
        #expect(fields.contains("exif-data") && fields.contains("xmp-data"))
        #expect(fields.contains { $0.hasPrefix("exif-ifd3-GPSLatitude") })
        #expect(try ImageProbe.probe(data).orientation == 3)
    }

    @Test(arguments: outputFormats)
    func thumbnailsCarryNoMetadata(format: EncodeFormat) throws {
        let output = try Thumbnailer.thumbnail(Self.taggedJPEG(), .cover(width: 64, height: 64), as: format)
        try expectClean(output.data)
    }

    @Test(arguments: outputFormats)
    func decodedImageOutputsCarryNoMetadata(format: EncodeFormat) throws {
        let decoded = try DecodedImage(Self.taggedJPEG())
        try expectClean(decoded.encoded(as: format).data)
        try expectClean(decoded.thumbnail(.inside(width: 50, height: 50), as: format).data)
    }

    @Test(arguments: outputFormats)
    func iccProfilesAreRemoved(format: EncodeFormat) throws {
        // libvips attaches its CMYK profile to the converted image.
        let cmyk = try Fixture.colourspace(Fixture.image(.quadrants(width: 64, height: 64)), "cmyk")
        let data = try Fixture.encode(cmyk, .jpeg)
        #expect(try Fixture.metadataFields(data).contains("icc-profile-data"))
        let output = try Thumbnailer.thumbnail(data, .cover(width: 32, height: 32), as: format)
        try expectClean(output.data)
    }

    func expectClean(_ data: Data, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for text in ["exif", "FacepipeCam", "Model-X9", XMPPacket.marker, "xmpmeta", "ICC_PROFILE", "iccp"] {
            #expect(!data.containsASCII(text), "output contains \(text)", sourceLocation: sourceLocation)
        }
        #expect(!data.contains(ExifBlob.latitudeSecondsBytes), "GPS bytes survived", sourceLocation: sourceLocation)
        let fields = try Fixture.metadataFields(data)
        let leaked = fields.filter { field in
            ["exif", "xmp", "iptc", "icc", "gps", "orientation"].contains { field.lowercased().contains($0) }
        }
        #expect(leaked.isEmpty, "metadata fields \(leaked)", sourceLocation: sourceLocation)
        #expect(try ImageProbe.probe(data).orientation == 1, sourceLocation: sourceLocation)
    }
}
