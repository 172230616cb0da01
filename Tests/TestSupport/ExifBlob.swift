/// A hand-built EXIF APP1 payload ("Exif\0\0" + little-endian TIFF) with
/// camera make/model, orientation and a GPS IFD — what a phone photo carries.
public struct ExifBlob: Sendable {
    public init(make: String = "FacepipeCam", model: String = "Model-X9", orientation: Int = 1) {
        self.make = make
        self.model = model
        self.orientation = orientation
    }

    public var make = "FacepipeCam"
    public var model = "Model-X9"
    public var orientation = 1
    /// GPSLatitude seconds numerator: a distinctive byte pattern to search for.
    public static let latitudeSecondsNumerator: UInt32 = 0x0BAD_F00D
    public static var latitudeSecondsBytes: [UInt8] { le32(latitudeSecondsNumerator) + le32(1000) }

    public var bytes: [UInt8] {
        let ascii = 2, short = 3, long = 4, rational = 5, byte = 1
        let gps: [Entry] = [
            Entry(tag: 0x0000, type: byte, count: 4, value: [2, 3, 0, 0]),
            Entry(tag: 0x0001, type: ascii, count: 2, value: Array("N\0".utf8)),
            Entry(tag: 0x0002, type: rational, count: 3,
                  value: Self.le32(52) + Self.le32(1) + Self.le32(31) + Self.le32(1)
                      + Self.latitudeSecondsBytes),
            Entry(tag: 0x0003, type: ascii, count: 2, value: Array("E\0".utf8)),
            Entry(tag: 0x0004, type: rational, count: 3,
                  value: Self.le32(13) + Self.le32(1) + Self.le32(24) + Self.le32(1)
                      + Self.le32(1234) + Self.le32(100)),
        ]
        func ifd0(gpsOffset: Int) -> [Entry] {
            [
                Entry(tag: 0x010F, type: ascii, count: make.utf8.count + 1, value: Array(make.utf8) + [0]),
                Entry(tag: 0x0110, type: ascii, count: model.utf8.count + 1, value: Array(model.utf8) + [0]),
                Entry(tag: 0x0112, type: short, count: 1, value: Self.le16(orientation)),
                Entry(tag: 0x8825, type: long, count: 1, value: Self.le32(UInt32(gpsOffset))),
            ]
        }
        let header: [UInt8] = Array("II".utf8) + Self.le16(42) + Self.le32(8)
        let ifd0Size = Self.layout(ifd0(gpsOffset: 0), at: 8).count
        let firstIFD = Self.layout(ifd0(gpsOffset: 8 + ifd0Size), at: 8)
        let gpsIFD = Self.layout(gps, at: 8 + ifd0Size)
        return Array("Exif\0\0".utf8) + header + firstIFD + gpsIFD
    }

    struct Entry {
        var tag: Int
        var type: Int
        var count: Int
        var value: [UInt8]
    }

    /// An IFD table followed by the values that do not fit in 4 bytes.
    static func layout(_ entries: [Entry], at offset: Int) -> [UInt8] {
        var table = le16(entries.count)
        var data: [UInt8] = []
        let dataStart = offset + 2 + 12 * entries.count + 4
        for entry in entries {
            table += le16(entry.tag) + le16(entry.type) + le32(UInt32(entry.count))
            if entry.value.count <= 4 {
                table += entry.value + [UInt8](repeating: 0, count: 4 - entry.value.count)
            } else {
                table += le32(UInt32(dataStart + data.count))
                data += entry.value
                if data.count % 2 == 1 { data.append(0) }
            }
        }
        return table + le32(0) + data
    }

    public static func le16(_ value: Int) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)]
    }

    public static func le32(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) }
    }
}

/// A minimal XMP packet with a recognisable marker.
public enum XMPPacket {
    public static let marker = "FacepipeXMPMarker"
    public static var bytes: [UInt8] {
        Array(
            """
            <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\
            <rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="\(marker)"/>\
            </rdf:RDF></x:xmpmeta>
            """.utf8)
    }
}

extension ExifBlob {
    /// `jpeg` with this EXIF inserted as an APP1 segment right after the SOI marker.
    public func inserted(into jpeg: [UInt8]) -> [UInt8] {
        precondition(jpeg.starts(with: [0xFF, 0xD8]), "not a JPEG")
        let payload = bytes
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg.dropFirst(2)
    }
}
