import Foundation
import Testing

@testable import Imaging

/// Where the picture is inside a screenshot's page (`ContentBox`), on luma planes drawn here so
/// every row is known: the box must be the photo's, within a line or two, and a photo on its own
/// must give no box at all.
@Suite struct ContentBoxTests {
    static let (photoWidth, photoHeight) = (200, 150)

    /// A smooth photo (no two rows two apart differ by 20 levels anywhere; no row is one colour)
    /// whose top row is, over about 40 % of the width, within 20 levels of the app header's
    /// colour (87): too few pixels step across that line for a straight edge, though the header
    /// above it is one colour.
    static func photo(_ x: Int, _ y: Int) -> UInt8 {
        UInt8(128 + 60 * sin(Double(x) / 11 + Double(y) / 17) + 40 * sin(Double(y) / 13))
    }

    /// The photo in a phone app's page: a dark status bar with a clock, a one-colour header with a
    /// title, white margins either side and a white caption with two lines of dark text.
    static func screenshot() -> (GrayPixels, ContentBox) {
        let margin = 5, status = 12, header = 20, caption = 40
        let width = photoWidth + 2 * margin, height = status + header + photoHeight + caption
        var pixels = [UInt8](repeating: 255, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let value: UInt8
                switch y {
                case ..<status: value = (4..<8).contains(y) && (10..<40).contains(x) ? 255 : 20
                case ..<(status + header): value = (6..<12).contains(y - status) && (20..<120).contains(x) ? 255 : 87
                case ..<(status + header + photoHeight):
                    value = (margin..<(margin + photoWidth)).contains(x) ? photo(x - margin, y - status - header) : 255
                default:
                    let line = y - status - header - photoHeight
                    value = ((10..<14).contains(line) || (25..<28).contains(line)) && (margin..<(width * 3 / 4)).contains(x) ? 30 : 255
                }
                pixels[y * width + x] = value
            }
        }
        return (GrayPixels(width: width, height: height, pixels: pixels),
                ContentBox(x: margin, y: status + header, width: photoWidth, height: photoHeight))
    }

    @Test func aScreenshotsPhotoIsFoundWhereItsHeaderIsCloseToItsTopRow() throws {
        let (page, photo) = Self.screenshot()
        let box = try #require(ContentBox.find(in: page))
        // Each side within two lines of the photo's (an edge line belongs to neither side).
        #expect(abs(box.x - photo.x) <= 2 && abs(box.y - photo.y) <= 2, "\(box) vs \(photo)")
        #expect(abs(box.x + box.width - photo.x - photo.width) <= 2 && abs(box.y + box.height - photo.y - photo.height) <= 2,
                "\(box) vs \(photo)")
    }

    @Test func aPhotoOnItsOwnHasNoBox() throws {
        var pixels: [UInt8] = []
        for y in 0..<Self.photoHeight { for x in 0..<Self.photoWidth { pixels.append(Self.photo(x, y)) } }
        #expect(ContentBox.find(in: GrayPixels(width: Self.photoWidth, height: Self.photoHeight, pixels: pixels)) == nil)
    }
}
