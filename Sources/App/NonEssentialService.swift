import Logging
import ServiceLifecycle

/// Runs a service whose failure must not stop the process (a worker's probe endpoint: if its port
/// is taken, the worker still runs jobs). The failure is logged; shutdown is still graceful.
struct NonEssentialService: Service {
    let name: String
    let logger: Logger
    let base: any Service

    func run() async throws {
        do {
            try await base.run()
        } catch {
            logger.error("\(name) stopped; the process goes on without it", metadata: ["error": "\(error)"])
            try? await gracefulShutdown()
        }
    }
}
