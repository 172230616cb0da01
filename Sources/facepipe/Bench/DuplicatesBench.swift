import ArgumentParser
import FacepipeCore
import Foundation
import Imaging
import Pipeline

/// `facepipe bench duplicates`: recall of near-duplicate detection per re-posting transform
/// (re-encoded, resized, brightened, cropped, rotated, watermarked, mirrored) and false pairs
/// among unrelated photos, with the production rule (`DuplicateIndex`, default thresholds,
/// hashes computed as process_image computes them). Also how far apart the hashes of the same
/// pixels saved as JPEG and as PNG are.
struct DuplicatesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "duplicates", abstract: "Near-duplicate recall per transform, false pairs.")

    @Option(help: "Folders of photos (searched recursively).")
    var dir: [String] = [".deps/testdata/photos", "../shared/testdata/formats", ".deps/testdata/bench-12mp"]
    @Option(help: "Long side the transformed copies are made from.") var size = 1600

    static let transforms: [ImageTransform] = [
        .reencode(quality: 70), .resize(0.5), .brighten(0.2), .crop(0.05), .crop(0.1), .rotate(4), .rotate(2),
        .watermark("@scam_profile_2026 • reposted"), .mirror,
    ]

    func run() async throws {
        try VipsRuntime.start()
        var sources: [(name: String, bytes: Data)] = []
        for folder in dir {
            guard let walker = FileManager.default.enumerator(atPath: folder) else { continue }
            for case let path as String in walker where ["jpg", "jpeg", "png", "webp", "heic"].contains((path as NSString).pathExtension.lowercased())
                && !path.contains("corrupt") && !path.contains("animated") {
                if let data = FileManager.default.contents(atPath: "\(folder)/\(path)") { sources.append(("\(folder)/\(path)", data)) }
            }
        }
        // Usable photos only, and one of each picture (the shared set has the same photo in
        // several orientations and formats: those are true duplicates, not unrelated pairs).
        let index = DuplicateIndex(thresholds: DuplicateThresholds())
        var photos: [(name: String, id: UUID, decoded: DecodedImage, hashes: ImageHashes, keys: [LookupKey])] = []
        var skipped = 0, same = 0
        for source in sources {
            guard let header = try? ImageProbe.probe(source.bytes), min(header.uprightWidth, header.uprightHeight) >= 64,
                  let both = try? ImageAnalysis.hashesAsProcessed(source.bytes),
                  let decoded = try? DecodedImage(source.bytes, maxDimension: size, limits: .unlimited) else {
                skipped += 1
                continue
            }
            if await !index.matches(for: both.hashes, keys: both.keys, excluding: UUID()).isEmpty {
                same += 1
                continue
            }
            let id = UUID()
            await index.insert(id, both.hashes)
            photos.append((source.name, id, decoded, both.hashes, both.keys))
        }
        let pairs = photos.count * (photos.count - 1) / 2
        print("duplicates benchmark: \(photos.count) photos (\(same) dropped as copies of another, \(skipped) unusable), \(pairs) unrelated pairs")
        // False pairs: each photo against all the others (the index already holds them all).
        var falsePairs = Set<[UUID]>()
        for photo in photos {
            for match in await index.matches(for: photo.hashes, keys: photo.keys, excluding: photo.id) {
                if falsePairs.insert([photo.id, match.otherImageID].sorted { $0.uuidString < $1.uuidString }).inserted {
                    let other = photos.first { $0.id == match.otherImageID }?.name ?? "?"
                    print("  false pair: \(photo.name) ~ \(other) by \(match.hashType.rawValue) at \(match.distance)\(match.mirrored ? " (mirrored)" : "")")
                }
            }
        }
        print("  false pairs among unrelated photos: \(falsePairs.count) of \(pairs)")

        // What the turned lookup keys cost: the hashes process_image computes (its own and the
        // mirrored key) with them and without, from the same decoded photo, alternating.
        var plainMs = Samples(), keyedMs = Samples()
        for photo in photos {
            var start = ContinuousClock.now
            _ = try ImageAnalysis.hashesWithLookupKeys(of: photo.decoded, turns: [])
            plainMs.add(seconds(ContinuousClock.now - start) * 1000)
            start = ContinuousClock.now
            _ = try ImageAnalysis.hashesWithLookupKeys(of: photo.decoded)
            keyedMs.add(seconds(ContinuousClock.now - start) * 1000)
        }
        print("  hashing per photo: own and mirrored hashes p50 \(format(plainMs.median)) ms, p95 \(format(plainMs.percentile(95))) ms; with the turned keys (\(ImageAnalysis.lookupTurns.count * 2)) p50 \(format(keyedMs.median)) ms, p95 \(format(keyedMs.percentile(95))) ms")
        for transform in Self.transforms {
            var found = 0, wrong = 0
            var distances: [Int] = []
            for photo in photos {
                let copy = try transform.apply(to: photo.decoded)
                let both = try ImageAnalysis.hashesAsProcessed(copy.data)
                let matches = await index.matches(for: both.hashes, keys: both.keys, excluding: UUID())
                if let hit = matches.filter({ $0.otherImageID == photo.id }).min(by: { $0.distance < $1.distance }) {
                    found += 1
                    if hit.hashType == .phash { distances.append(hit.distance) }
                }
                wrong += Set(matches.map(\.otherImageID)).subtracting([photo.id]).count
            }
            let recall = Double(found) / Double(max(1, photos.count)) * 100
            print("  \(transform): recall \(format(recall)) % (\(found)/\(photos.count)), matches to other photos \(wrong)")
        }
        // The other order: the turned or flipped copy was stored first, the original comes later.
        for transform in Self.transforms where [.rotate(4), .rotate(2), .mirror].contains(transform) {
            let copies = DuplicateIndex(thresholds: DuplicateThresholds())
            for photo in photos {
                await copies.insert(photo.id, try ImageAnalysis.hashesAsProcessed(try transform.apply(to: photo.decoded).data).hashes)
            }
            var found = 0
            for photo in photos where await copies.matches(for: photo.hashes, keys: photo.keys, excluding: UUID())
                .contains(where: { $0.otherImageID == photo.id }) {
                found += 1
            }
            print("  \(transform), copy stored first: recall \(format(Double(found) / Double(max(1, photos.count)) * 100)) % (\(found)/\(photos.count))")
        }
        // The same pixels as JPEG (q95) and PNG: hashes should agree.
        var phash: [Int] = [], pdq: [Int] = []
        for photo in photos {
            let jpeg = try ImageAnalysis.hashesAsProcessed(try photo.decoded.encoded(as: .jpeg(quality: 95)).data).hashes
            let png = try ImageAnalysis.hashesAsProcessed(try photo.decoded.encoded(as: .png).data).hashes
            phash.append((jpeg.phash ^ png.phash).nonzeroBitCount)
            pdq.append(PerceptualHash.pdqHammingDistance(jpeg.pdq, png.pdq))
        }
        phash.sort()
        pdq.sort()
        print("  same pixels as JPEG q95 vs PNG: pHash bits median \(phash[phash.count / 2]), max \(phash.last ?? 0); PDQ bits median \(pdq[pdq.count / 2]), max \(pdq.last ?? 0)")
    }
}
