import FacepipeCore
import Foundation
import Testing

/// `FaceVectorIndex` against a brute-force model: every face's float vector in a dictionary,
/// ranked exactly by cosine similarity.
@Suite struct FaceVectorIndexTests {
    private struct Model {
        var vectors: [UUID: (image: UUID, vector: [Float])] = [:]

        func exactTop(_ query: [Float], _ count: Int, excludingImage: UUID? = nil) -> [UUID] {
            vectors.filter { $0.value.image != excludingImage }
                .map { ($0.key, SyntheticFaceVectors.cosine($0.value.vector, query)) }
                .sorted { $0.1 > $1.1 }.prefix(count).map(\.0)
        }
    }

    private static func id(_ n: Int) -> UUID {
        UUID(uuidString: String(format: "00000000-0000-0000-0000-%012x", n))!
    }

    /// Fills both with `identities` people of 5 photos each (one image per person).
    private static func filled(identities: Int, seed: UInt64, parallelFrom: Int = 100_000)
        -> (FaceVectorIndex, Model, [[Float]], SyntheticFaceVectors)
    {
        var synthetic = SyntheticFaceVectors(seed: seed)
        var index = FaceVectorIndex(parallelFrom: parallelFrom), model = Model()
        var people: [[Float]] = []
        for person in 0..<identities {
            let centre = synthetic.identity()
            people.append(centre)
            for photo in 0..<5 {
                let vector = synthetic.photo(of: centre)
                index.insert(faceID: id(person * 5 + photo + 1), imageID: id(1_000_000 + person), vector: vector)
                model.vectors[id(person * 5 + photo + 1)] = (id(1_000_000 + person), vector)
            }
        }
        return (index, model, people, synthetic)
    }

    /// The exact top 10 re-ranked from the index's 50 candidates, for new photos of stored
    /// people, with the 4-bit pass (past `packedFrom`) and with both halves scanned at once.
    @Test(arguments: [(200, 100_000), (2_000, 100_000), (2_000, 1)])
    func candidatesHoldTheExactNearest(identities: Int, parallelFrom: Int) {
        var (index, model, people, synthetic) = Self.filled(identities: identities, seed: 7, parallelFrom: parallelFrom)
        #expect(index.count == identities * 5)
        var found = 0, wanted = 0
        for q in 0..<40 {
            let query = synthetic.photo(of: people[(q * 37) % people.count])
            let candidates = index.nearest(to: query, count: 50)
            #expect(candidates.count == 50)
            // Most similar first, and the similarity is the int8 estimate of the true one.
            #expect(zip(candidates, candidates.dropFirst()).allSatisfy { $0.similarity >= $1.similarity })
            for candidate in candidates.prefix(5) {
                let truth = Double(SyntheticFaceVectors.cosine(model.vectors[candidate.faceID]!.vector, query))
                #expect(abs(candidate.similarity - truth) < 0.01)
                #expect(candidate.imageID == model.vectors[candidate.faceID]!.image)
            }
            let exact = model.exactTop(query, 10)
            wanted += exact.count
            found += Set(exact).intersection(candidates.map(\.faceID)).count
        }
        #expect(found == wanted, "\(found) of \(wanted) exact neighbours among the candidates")
    }

    @Test func replacingRemovingAndErasingKeepTheIndexEqualToTheModel() {
        var (index, model, people, synthetic) = Self.filled(identities: 300, seed: 11)
        var random = SplitMix64(seed: 3)
        for step in 0..<600 {
            let face = Self.id(Int(random.next() % 1_600) + 1)
            switch random.next() % 4 {
            case 0:  // a new vector for a face (embedded again), maybe a face not yet stored
                let vector = synthetic.photo(of: people[Int(random.next() % UInt64(people.count))])
                let image = model.vectors[face]?.image ?? Self.id(2_000_000 + step)
                index.insert(faceID: face, imageID: image, vector: vector)
                model.vectors[face] = (image, vector)
            case 1, 2:
                index.remove(faceID: face)
                model.vectors[face] = nil
            default:  // an erased image takes all its faces
                guard let image = model.vectors.randomElement(using: &random)?.value.image else { continue }
                index.removeImage(image)
                model.vectors = model.vectors.filter { $0.value.image != image }
            }
            #expect(index.count == model.vectors.count)
        }
        for face in model.vectors.keys { #expect(index.contains(face)) }
        for q in 0..<30 {
            let query = synthetic.photo(of: people[q * 7])
            let excluded = model.vectors.randomElement(using: &random)!.value.image
            let candidates = index.nearest(to: query, count: 30, excludingImage: excluded)
            #expect(!candidates.contains { $0.imageID == excluded })
            #expect(Set(candidates.map(\.faceID)).isSubset(of: Set(model.vectors.keys)))
            let exact = model.exactTop(query, 5, excludingImage: excluded)
            #expect(Set(exact).isSubset(of: Set(candidates.map(\.faceID))))
        }
        // Emptied, it answers nothing rather than failing.
        for face in model.vectors.keys { index.remove(faceID: face) }
        #expect(index.count == 0)
        #expect(index.nearest(to: people[0], count: 10).isEmpty)
    }

    /// Scaled per vector, a component near 1 is not clipped: the similarity stays right.
    @Test func vectorsWithOneLargeComponentKeepTheirSimilarity() {
        func unit(_ head: [Float]) -> [Float] { SyntheticFaceVectors.normalized(head + [Float](repeating: 0, count: 128 - head.count)) }
        var index = FaceVectorIndex()
        index.insert(faceID: Self.id(1), imageID: Self.id(10), vector: unit([0.95, 0.3122]))
        index.insert(faceID: Self.id(2), imageID: Self.id(11), vector: unit([0, 1]))
        index.insert(faceID: Self.id(3), imageID: Self.id(12), vector: unit([-1, 0]))
        let found = index.nearest(to: unit([1, 0]), count: 3)
        #expect(found.map(\.faceID) == [Self.id(1), Self.id(2), Self.id(3)])
        #expect(abs(found[0].similarity - 0.95) < 0.01 && abs(found[1].similarity) < 0.01 && abs(found[2].similarity + 1) < 0.01, "\(found)")
    }

    /// The same in the 4-bit pass (past `packedFrom`), among synthetic faces that set the
    /// statistics; and a dimension no face uses (zero spread) does not break the packing.
    @Test func theFourBitPassKeepsOddVectorsAndConstantDimensions() {
        func unit(_ head: [Float]) -> [Float] { SyntheticFaceVectors.normalized(head + [Float](repeating: 0, count: 128 - head.count)) }
        var synthetic = SyntheticFaceVectors(seed: 5)
        var index = FaceVectorIndex()
        for n in 0..<2_000 {
            var vector = synthetic.photo(of: synthetic.identity())
            vector[127] = 0  // never used by any face
            index.insert(faceID: Self.id(100 + n), imageID: Self.id(100 + n), vector: vector)
        }
        index.insert(faceID: Self.id(1), imageID: Self.id(10), vector: unit([0.95, 0.3122]))
        index.insert(faceID: Self.id(2), imageID: Self.id(11), vector: unit([0.9, 0.4359]))
        let found = index.nearest(to: unit([1, 0]), count: 2)
        #expect(found.map(\.faceID) == [Self.id(1), Self.id(2)], "\(found)")
        #expect(abs((found.first?.similarity ?? 0) - 0.95) < 0.01)
        // A synthetic face finds itself first.
        let probe = synthetic.photo(of: synthetic.identity())
        index.insert(faceID: Self.id(3), imageID: Self.id(12), vector: probe)
        #expect(index.nearest(to: probe, count: 1).first?.faceID == Self.id(3))
    }

    /// Vectors with no direction are not stored and ask nothing; any length is a direction.
    @Test func zeroAndNonFiniteVectorsAreLeftOut() {
        var index = FaceVectorIndex()
        let zero = [Float](repeating: 0, count: 128)
        var nan = zero
        nan[0] = .nan
        var long = zero
        long[0] = 10
        index.insert(faceID: Self.id(1), imageID: Self.id(10), vector: zero)
        index.insert(faceID: Self.id(2), imageID: Self.id(11), vector: nan)
        index.insert(faceID: Self.id(3), imageID: Self.id(12), vector: long)
        #expect(index.count == 1)
        #expect(index.nearest(to: nan, count: 5).isEmpty)
        #expect(index.nearest(to: zero, count: 5).isEmpty)
        let found = index.nearest(to: long, count: 5)
        #expect(found.map(\.faceID) == [Self.id(3)] && abs(found[0].similarity - 1) < 0.01, "cosine, not dot product: \(found)")
    }
}
