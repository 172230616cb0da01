import TestSupport
import Foundation
import Testing

@testable import Imaging

/// Decode once, derive many outputs.
@Suite struct DecodedImageTests {
    @Test func shrinksOnLoadAndKeepsTheSourceHeader() throws {
        let data = try Fixture.encode(Raster.quadrants(width: 2000, height: 1000), .jpeg)
        let decoded = try DecodedImage(data, maxDimension: 800)
        #expect(decoded.width == 800 && decoded.height == 400)
        #expect(decoded.source.width == 2000 && decoded.source.format == .jpeg)
        #expect(!decoded.hasAlpha)
    }

    @Test func producesSeveralThumbnailsFromOneDecode() throws {
        let decoded = try DecodedImage(Fixture.encode(Raster.quadrants(width: 600, height: 300), .png))
        let square = try decoded.thumbnail(.cover(width: 128, height: 128))
        let wide = try decoded.thumbnail(.inside(width: 300, height: 300), as: .jpeg(quality: 85))
        let small = try decoded.thumbnail(.inside(width: 64, height: 64), as: .png)
        #expect((square.width, square.height) == (128, 128))
        #expect((wide.width, wide.height) == (300, 150))
        #expect((small.width, small.height) == (64, 32))
        for output in [square, wide, small] {
            let header = try ImageProbe.probe(output.data)
            #expect(header.format == output.format)
            #expect((header.width, header.height) == (output.width, output.height))
            #expect(matchesQuadrants(try decodeRGB(output.data).quadrantCentres))
        }
    }

    /// Each square is resized from the next larger one; a side beyond the short side gives
    /// the largest centred square, and the picture stays the same picture.
    @Test func squareThumbnailsCascade() throws {
        let decoded = try DecodedImage(Fixture.encode(Raster.quadrants(width: 600, height: 300), .png))
        let squares = try decoded.squareThumbnails(sides: [800, 300, 150, 150], as: .png)
        #expect(squares.keys.sorted() == [150, 300, 800])
        #expect(squares.mapValues { [$0.width, $0.height] } == [800: [300, 300], 300: [300, 300], 150: [150, 150]])
        for (_, square) in squares {
            #expect(matchesQuadrants(try decodeRGB(square.data).quadrantCentres))
        }
    }

    /// Face crops: a rectangle clipped to the image, then thumbnailed.
    @Test func regionIsClippedAndThumbnailed() throws {
        let decoded = try DecodedImage(Fixture.encode(Raster.quadrants(width: 400, height: 200), .png))
        let centre = try decoded.region(x: 150, y: 50, width: 100, height: 100, .cover(width: 50, height: 50), as: .png)
        #expect((centre.width, centre.height) == (50, 50))
        #expect(matchesQuadrants(try decodeRGB(centre.data).quadrantCentres))
        let edge = try decoded.region(x: 350, y: -20, width: 200, height: 400, .inside(width: 400, height: 400), as: .png)
        #expect((edge.width, edge.height) == (50, 200))
    }

    @Test func isUsableFromConcurrentTasks() async throws {
        let decoded = try DecodedImage(Fixture.encode(Raster.quadrants(width: 400, height: 200), .png))
        let sizes = try await withThrowingTaskGroup(of: Int.self) { group in
            for size in [16, 32, 48, 64, 80, 96] {
                group.addTask {
                    let thumbnail = try decoded.thumbnail(.cover(width: size, height: size))
                    _ = try decoded.luma(width: 9, height: 8)
                    return thumbnail.width
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sizes.sorted() == [16, 32, 48, 64, 80, 96])
    }

    @Test func safeMetadataHasOnlyTheAllowedFacts() throws {
        let image = try Fixture.withExif(Fixture.image(.quadrants(width: 60, height: 40)), ExifBlob(orientation: 8))
        let decoded = try DecodedImage(Fixture.encode(image, .jpeg))
        let metadata = decoded.source.metadata
        #expect(metadata.width == 40 && metadata.height == 60)
        #expect(metadata.orientation == 8 && metadata.format == .jpeg)
        #expect(metadata.colourSpace == .srgb && !metadata.hasAlpha)
        let json = try JSONEncoder().encode(metadata)
        let keys = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        #expect(Set(keys?.keys.map { $0 } ?? []) == ["width", "height", "format", "colourSpace", "hasAlpha", "orientation"])
    }
}
