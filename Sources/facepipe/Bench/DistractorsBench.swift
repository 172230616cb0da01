import ArgumentParser
import FacepipeCore
import Foundation
import Imaging
import Pipeline

/// `facepipe bench distractors`: how far apart each hash puts unrelated images, over every pair
/// of the distractor corpus (`make bench-distractors`), the data a near-duplicate linking rule is
/// calibrated on (issue 23). Only byte-identical files are dropped; nothing is dropped for being
/// near another, since those pairs are exactly the false links to count. Prints, per hash, how
/// many pairs fall within each distance, and the same for pairs whose images both have a PDQ
/// quality of at least 50 (Meta's bar for a hash that says anything).
struct DistractorsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "distractors",
                                                    abstract: "Hash distances over every pair of unrelated images (calibration data).")

    @Option(help: "The corpus folder.") var dir = ".deps/distractors"
    @Option(help: "Images at most (0: all).") var limit = 0
    @Option(help: "Write every image's hashes and lookup keys, and those of transformed copies, to this file (for analysis).")
    var dump: String?
    @Option(help: "With --dump: make transformed copies of every n-th image.") var copiesEvery = 25

    static let transforms = DuplicatesBench.transforms

    static func line(_ fields: [String], _ hashes: ImageHashes) -> String {
        (fields + [PerceptualHash.hex(hashes.ahash), PerceptualHash.hex(hashes.dhash), PerceptualHash.hex(hashes.phash), hashes.pdq.hex,
                   "\(hashes.pdqQuality)"]).joined(separator: "\t") + "\n"
    }

    static func keyName(_ key: LookupKey) -> String {
        switch key.transform {
        case .mirrored: "mirrored"
        case .turned(let degrees): "turned\(degrees)"
        case .straightened(let degrees): "straightened\(degrees)"
        case .region(let region): region.rawValue
        }
    }

    static func append(_ text: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    func run() async throws {
        try VipsRuntime.start()
        if let dump { try? FileManager.default.removeItem(atPath: dump) }
        var seen = Set<Data>()
        var images: [(name: String, hashes: ImageHashes)] = []
        var unusable = 0
        guard let walker = FileManager.default.enumerator(atPath: dir) else { throw ValidationError("no folder \(dir): run `make bench-distractors`") }
        let start = ContinuousClock.now
        for case let path as String in walker where !(path as NSString).lastPathComponent.hasPrefix(".") && !path.hasSuffix("COPYRIGHT") {
            if limit > 0 && images.count >= limit { break }
            guard let bytes = FileManager.default.contents(atPath: "\(dir)/\(path)"), bytes.count > 0 else { continue }
            let digest = Data(bytes.prefix(64)) + withUnsafeBytes(of: bytes.count) { Data($0) } + Data(bytes.suffix(64))
            guard seen.insert(digest).inserted else { continue }
            guard let header = try? ImageProbe.probe(bytes), min(header.uprightWidth, header.uprightHeight) >= 64,
                  let both = try? ImageAnalysis.hashesAsProcessed(bytes) else {
                unusable += 1
                continue
            }
            images.append((path, both.hashes))
            if let dump {
                var text = Self.line(["image", path, "own"], both.hashes)
                for key in both.keys { text += Self.line(["image", path, Self.keyName(key)], key.hashes) }
                if images.count % copiesEvery == 1, let decoded = try? DecodedImage(bytes, maxDimension: 1600, limits: .unlimited) {
                    for transform in Self.transforms {
                        guard let copy = try? transform.apply(to: decoded), let hashed = try? ImageAnalysis.hashesAsProcessed(copy.data) else {
                            continue
                        }
                        text += Self.line(["copy", path, "\(transform)", "own"], hashed.hashes)
                        for key in hashed.keys { text += Self.line(["copy", path, "\(transform)", Self.keyName(key)], key.hashes) }
                    }
                }
                try Self.append(text, to: dump)
            }
        }
        let n = images.count, pairs = n * (n - 1) / 2
        print("distractors: \(n) images (\(unusable) unusable or under 64 px), \(pairs) pairs; hashed in \(ContinuousClock.now - start)")
        let strong = images.map { $0.hashes.pdqQuality >= 50 }
        print("  PDQ quality ≥ 50: \(strong.filter { $0 }.count) of \(n) images")
        // within[type][d]: pairs at distance ≤ d (64-bit hashes up to 16, PDQ up to 80).
        let limits: [(HashType, Int)] = [(.ahash, 16), (.dhash, 16), (.phash, 16), (.pdq, 80)]
        var all = [HashType: [Int]](), bothStrong = [HashType: [Int]]()
        for (type, top) in limits {
            all[type] = [Int](repeating: 0, count: top + 1)
            bothStrong[type] = [Int](repeating: 0, count: top + 1)
        }
        var closest: [(pair: String, pdq: Int, phash: Int)] = []
        for i in 0..<n {
            let a = images[i].hashes
            for j in (i + 1)..<n {
                let b = images[j].hashes
                let distances: [(HashType, Int)] = [
                    (.ahash, PerceptualHash.hammingDistance(a.ahash, b.ahash)), (.dhash, PerceptualHash.hammingDistance(a.dhash, b.dhash)),
                    (.phash, PerceptualHash.hammingDistance(a.phash, b.phash)), (.pdq, PerceptualHash.pdqHammingDistance(a.pdq, b.pdq)),
                ]
                let both = strong[i] && strong[j]
                for (type, distance) in distances where distance < all[type]!.count {
                    all[type]![distance] += 1
                    if both { bothStrong[type]![distance] += 1 }
                }
                if distances[3].1 <= 40 || distances[2].1 <= 6 {
                    closest.append(("\(images[i].name) ~ \(images[j].name)", distances[3].1, distances[2].1))
                }
            }
        }
        func cumulative(_ counts: [Int]) -> [Int] { counts.reduce(into: []) { $0.append(($0.last ?? 0) + $1) } }
        for (type, _) in limits {
            let marks = type == .pdq ? [10, 20, 31, 40, 50, 63, 80] : [2, 4, 6, 8, 10, 12, 16]
            let everyPair = cumulative(all[type]!), strongPairs = cumulative(bothStrong[type]!)
            print("  \(type.rawValue): pairs within distance " + marks.map { "≤\($0): \(everyPair[$0]) (\(strongPairs[$0]) both PDQ q≥50)" }
                .joined(separator: ", "))
        }
        print("  closest pairs (PDQ ≤ 40 or pHash ≤ 6), PDQ / pHash distance:")
        for item in closest.sorted(by: { ($0.pdq, $0.phash) < ($1.pdq, $1.phash) }).prefix(40) {
            print("    \(item.pdq) / \(item.phash)  \(item.pair)")
        }
    }
}
