import ArgumentParser
import FacepipeCore
import Foundation
import Persistence

/// `facepipe bench face-index`: `FaceVectorIndex` alone, in memory, on synthetic dlib-like
/// faces (`SyntheticFaceVectors`): how long a query for 50 candidates takes, and how often the
/// exact top 10 (by the float vectors, brute force) is among them. No database: this is the
/// part of a face search that grows with the number of faces.
struct FaceIndexBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "face-index", abstract: "In-memory face candidates at 1M faces: latency, and the exact top 10's presence among them.")

    @Option(help: "Stored faces (identities of 5 photos).") var faces = 1_000_000
    @Option(help: "Queries (new photos of stored people).") var queries = 200
    @Option(help: "Candidates asked for per query.") var candidates = FaceRepository.candidates(10)

    func run() throws {
        var synthetic = SyntheticFaceVectors(seed: 42)
        var index = FaceVectorIndex()
        var vectors: [Float] = []
        vectors.reserveCapacity(faces * 128)
        var people: [[Float]] = []
        let buildStart = ContinuousClock.now
        let memoryBefore = residentMemoryParts(pid: getpid()).anonymous
        var n = 0
        while n < faces {
            let person = synthetic.identity()
            people.append(person)
            for _ in 0..<min(5, faces - n) {
                let vector = synthetic.photo(of: person)
                index.insert(faceID: Self.uuid(n), imageID: Self.uuid(people.count << 32), vector: vector)
                vectors.append(contentsOf: vector)
                n += 1
            }
        }
        let built = seconds(ContinuousClock.now - buildStart)
        print("face index: \(faces) synthetic faces built in \(format(built, 1)) s (with the float copy the check needs: anonymous RSS +\((residentMemoryParts(pid: getpid()).anonymous - memoryBefore) / 1024) MB), \(queries) queries for \(candidates) candidates, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        var timings = Samples()
        var found = 0, wanted = 0
        var random = SplitMix64(seed: 7)
        for _ in 0..<queries {
            let query = synthetic.photo(of: people[Int(random.next() % UInt64(people.count))])
            let start = ContinuousClock.now
            let answer = index.nearest(to: query, count: candidates)
            timings.add(milliseconds(ContinuousClock.now - start))
            let exact = Self.exactTop(10, of: query, in: vectors)
            wanted += exact.count
            found += Set(exact.map { Self.uuid($0) }).intersection(answer.map(\.faceID)).count
        }
        print("  candidates: p50 \(format(timings.median, 2)) ms, p95 \(format(timings.percentile(95), 2)) ms; exact top 10 among them: \(found) of \(wanted) (\(format(Double(found) / Double(max(wanted, 1)), 4)))")
    }

    static func uuid(_ n: Int) -> UUID { HashIndexBenchmark.uuid(high: 0, low: UInt64(n)) }

    /// Rows of the 10 largest dot products, by brute force over the float copy.
    static func exactTop(_ k: Int, of query: [Float], in vectors: [Float]) -> [Int] {
        var best: [(Float, Int)] = []
        vectors.withUnsafeBufferPointer { rows in
            let count = rows.count / 128
            for i in 0..<count {
                var dot: Float = 0
                for j in 0..<128 { dot += rows[i * 128 + j] * query[j] }
                if best.count < k || dot > best[best.count - 1].0 {
                    best.append((dot, i))
                    best.sort { $0.0 > $1.0 }
                    if best.count > k { best.removeLast() }
                }
            }
        }
        return best.map(\.1)
    }
}
