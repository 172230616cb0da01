@testable import App
import FacepipeCore
import Foundation
import Queue
import TestSupport
import Testing

/// A job kind nobody handles would wait in the queue forever: the worker refuses to start.
struct JobKindCoverageTests {
    @Test func aRegistryMissingAnImageJobKindIsRefusedAndDecliningIsExplicit() throws {
        var registry = JobHandlerRegistry()
        registry.registerDiagnostics()
        #expect(throws: UnhandledJobKinds.self) { try registry.requireEvery(ImageJob.Kind.allCases.map(\.jobKind)) }
        for kind in ImageJob.Kind.allCases { registry.decline(kind.jobKind, because: "test") }
        try registry.requireEvery(ImageJob.Kind.allCases.map(\.jobKind))
        #expect(registry.kinds == [JobKind.diagnosticNoop.rawValue, JobKind.diagnosticSleep.rawValue].sorted())
    }

    @Test func theProductionAssemblyCoversEveryKindAndLeavesFaceWorkWithoutModels() async throws {
        let config = try AppConfig(from: DictionaryConfigSource([:]))
        try await IngestHarness.run { _, env in
            let queue = JobQueue(client: env.client, defaultMaxAttempts: 3, logger: TestDatabase.logger)
            let registry = Runtime.makeHandlers(config, client: env.client, queue: queue, store: env.store, links: env.links,
                                                faces: .init(detection: nil, embedder: nil), logger: TestDatabase.logger)
            try registry.requireEvery(ImageJob.Kind.allCases.map(\.jobKind))
            #expect(Set(registry.declined.keys) == [.anonymize, .embedFaces])
            #expect(!registry.kinds.contains("anonymize") && registry.kinds.contains("process_image"))
        }
    }
}
