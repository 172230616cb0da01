import ArgumentParser
import Faces
import FacepipeCore
import Foundation
import Imaging
import Logging
import Persistence
import Pipeline
import PostgresNIO

/// `facepipe bench face-calibration`: how often the match thresholds accept two different
/// people (false accepts) and two photos of one person (true accepts) on labelled photos, and
/// how well identities group them (pairwise precision and recall of `IdentityRepository`).
///
/// Labels come from folders: `DIR/<person>/<photo>` is one person per folder (the largest face
/// of each photo is theirs); in `DIR/crowd-*/` every face is a different person. Faces are
/// detected, cropped and embedded exactly as process_image and embed_faces do it.
struct FaceCalibrationBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "face-calibration", abstract: "False and true accepts per face-match threshold; identity grouping quality.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Labelled photos (scripts/fetch-test-photos.sh --faces makes .deps/testdata/faces).")
    var dir = ".deps/testdata/faces"
    @Option(parsing: .upToNextOption, help: "Thresholds for the table.")
    var thresholds: [Double] = [0.85, 0.88, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95]

    struct Face {
        var person: String
        var photo: String
        var vector: [Float]
    }

    func run() async throws {
        let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
        try VipsRuntime.start()
        let detector = try CenterFaceDetector(runtime: ONNXRuntime(libraryPath: config.faces.onnxRuntimeLibrary),
                                              modelPath: config.faces.detectorModel)
        let detection = ImageAnalysis.FaceDetector(detector: detector, minConfidence: config.faces.minConfidence)
        let embedder = try DlibFaceEmbedder(modelDirectory: config.faces.embedderModels)
        let faces = try Self.labelledFaces(in: dir, detection: detection, embedder: embedder)
        let people = Set(faces.map(\.person)).count
        var genuine: [Double] = [], impostor: [Double] = []
        var closest: [(Double, String, String)] = []
        for i in faces.indices {
            for j in faces.indices where j > i {
                let similarity = Double(zip(faces[i].vector, faces[j].vector).reduce(Float(0)) { $0 + $1.0 * $1.1 })
                if faces[i].person == faces[j].person {
                    genuine.append(similarity)
                } else {
                    impostor.append(similarity)
                    closest.append((similarity, faces[i].person, faces[j].person))
                }
            }
        }
        genuine.sort()
        impostor.sort()
        print("face calibration: \(faces.count) faces of \(people) people from \(dir); \(genuine.count) same-person pairs, \(impostor.count) different-person pairs")
        print("same person:      lowest \(format(genuine.first ?? .nan, 3)), median \(format(genuine.isEmpty ? .nan : genuine[genuine.count / 2], 3))")
        print("different people: highest \(format(impostor.last ?? .nan, 3)), 99th percentile \(format(impostor.reduce(into: Samples()) { $0.add($1) }.percentile(99), 3))")
        print("closest different people: " + closest.sorted { $0.0 > $1.0 }.prefix(5).map { "\($0.1) ~ \($0.2) \(format($0.0, 3))" }.joined(separator: "; "))
        print("")
        print("| threshold | false accepts | true accepts |")
        print("|---|---|---|")
        for threshold in thresholds.sorted() {
            let falseAccepts = impostor.filter { $0 >= threshold }.count, trueAccepts = genuine.filter { $0 >= threshold }.count
            print("| \(format(threshold, 2)) | \(falseAccepts) of \(impostor.count) (\(format(100 * Double(falseAccepts) / Double(max(1, impostor.count)), 2)) %) | \(trueAccepts) of \(genuine.count) (\(format(100 * Double(trueAccepts) / Double(max(1, genuine.count)), 1)) %) |")
        }
        let matching = config.faces.matching
        let (precision, recall, identities) = try await grouping(faces, matching: matching, config: config, logger: logger)
        print("")
        print("identities (possible \(format(matching.possible, 2)), strong \(format(matching.strong, 2))): \(identities) for \(people) people; pairwise precision \(format(precision * 100, 1)) %, recall \(format(recall * 100, 1)) %")
    }

    /// One photo of the labelled set: `folder` names the person (a `crowd-` folder holds
    /// several people, one per face).
    struct LabelledPhoto {
        var folder: String
        var file: String
        var bytes: Data
    }

    /// Every JPEG and PNG in the person folders under `dir` (scripts/fetch-test-photos.sh
    /// --faces), in folder and file order.
    static func labelledPhotos(in dir: String) throws -> [LabelledPhoto] {
        let root = URL(fileURLWithPath: dir)
        let folders = try FileManager.default.contentsOfDirectory(atPath: dir).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
        guard !folders.isEmpty else { throw ValidationError("no person folders in \(dir): run scripts/fetch-test-photos.sh --faces") }
        var photos: [LabelledPhoto] = []
        for folder in folders {
            for file in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path).sorted()
            where ["jpg", "jpeg", "png"].contains((file as NSString).pathExtension.lowercased()) {
                photos.append(LabelledPhoto(folder: folder, file: file,
                                            bytes: try Data(contentsOf: root.appendingPathComponent(folder).appendingPathComponent(file))))
            }
        }
        return photos
    }

    static func labelledFaces(in dir: String, detection: ImageAnalysis.FaceDetector, embedder: any FaceEmbedder) throws -> [Face] {
        var faces: [Face] = []
        for labelled in try labelledPhotos(in: dir) {
            let (folder, file, bytes) = (labelled.folder, labelled.file, labelled.bytes)
            let crowd = folder.hasPrefix("crowd-")
            // As process_image crops and embed_faces embeds.
            var found: [(area: Float, vector: [Float])] = []
            for (face, crop) in try ImageAnalysis.run(bytes, faces: detection).faceCrops {
                guard let box = face.faceInCrop else { continue }
                found.append((face.box.width * face.box.height, try FaceEmbedding.embed(crop: crop.data, faceInCrop: box, embedder: embedder)))
            }
            let photo = "\(folder)/\(file)"
            if crowd {
                for (index, face) in found.enumerated() { faces.append(Face(person: "\(photo)#\(index)", photo: photo, vector: face.vector)) }
            } else if let largest = found.max(by: { $0.area < $1.area }) {
                faces.append(Face(person: folder, photo: photo, vector: largest.vector))
            } else {
                print("warning: no face found in \(photo)")
            }
        }
        return faces
    }

    /// The faces through `IdentityRepository.assign`, one image per photo in folder order, in a
    /// scratch database; pairwise precision and recall against the labels.
    func grouping(_ faces: [Face], matching: FaceMatchThresholds, config: AppConfig, logger: Logger) async throws
        -> (precision: Double, recall: Double, identities: Int)
    {
        try await withScratchDatabase("facepipe_bench_calibration", config: config, logger: logger) { url in
            try await Database.withClient(url: url, poolSize: 2, logger: logger) { client in
                _ = try await Migrator().migrate(client, logger: logger)
                let photos = Dictionary(grouping: faces.indices, by: { faces[$0].photo }).sorted { $0.key < $1.key }
                var labelOf: [UUID: Int] = [:]  // face row → index into `faces`
                let repository = IdentityRepository(client: client, logger: logger)
                let faceIndex = FaceIndex(logger: logger)
                for (_, indices) in photos {
                    let image = try await insertBareImage(client)
                    for (position, index) in indices.enumerated() {
                        let literal = "[" + faces[index].vector.map { String($0) }.joined(separator: ",") + "]"
                        for try await id in try await client.query(
                            """
                            INSERT INTO face_detections (image_id, face_index, bbox, confidence, embedding)
                            VALUES (\(image), \(position), '{}', 1, \(literal)::vector) RETURNING id
                            """).decode(UUID.self) { labelOf[id] = index }
                    }
                    _ = try await client.withTransaction(logger: logger) { try await repository.assign(image, thresholds: matching, index: faceIndex, on: $0) }
                }
                // Where every face ended up (a later merge moves faces assigned earlier).
                var identityOf: [Int: UUID] = [:]
                for try await (face, identity) in try await client.query("SELECT face_id, identity_id FROM face_identities").decode((UUID, UUID?).self) {
                    if let identity, let index = labelOf[face] { identityOf[index] = identity }
                }
                var together = 0, togetherRight = 0, samePerson = 0
                for i in faces.indices {
                    for j in faces.indices where j > i {
                        let grouped = identityOf[i] != nil && identityOf[i] == identityOf[j], same = faces[i].person == faces[j].person
                        if grouped { together += 1 }
                        if same { samePerson += 1 }
                        if grouped && same { togetherRight += 1 }
                    }
                }
                return (together == 0 ? 1 : Double(togetherRight) / Double(together), samePerson == 0 ? 1 : Double(togetherRight) / Double(samePerson),
                        Set(identityOf.values).count)
            }
        }
    }
}
