@testable import App
import FacepipeCore
import Faces
import Pipeline
import Queue
import TestSupport

extension IngestHarness {
    /// The job handlers `facepipe worker` runs — `Runtime.makeHandlers`, the production assembly,
    /// every kind included — with these models, run one job at a time until the queue is empty.
    func productionWorker(_ detection: ImageAnalysis.FaceDetector?, embedder: (any FaceEmbedder)? = nil,
                          config: AppConfig? = nil) throws -> @Sendable () async throws -> Void {
        let config = try config ?? AppConfig(from: DictionaryConfigSource([:]))
        let queue = JobQueue(client: client, defaultMaxAttempts: config.queue.maxAttempts, logger: TestDatabase.logger)
        let registry = Runtime.makeHandlers(config, client: client, queue: queue, store: store, links: links,
                                            faces: .init(detection: detection, embedder: embedder), logger: TestDatabase.logger)
        return { try await registry.runAll(on: queue) }
    }
}
