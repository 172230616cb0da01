import ArgumentParser
import AsyncHTTPClient
import FacepipeCore
import Foundation

/// `facepipe healthcheck`: the container's health check without curl. Asks this host's
/// `/health` (the API's port, or the worker's with `--port`) and exits 0 only on 200.
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck", abstract: "Exit 0 when this host's facepipe answers /health with 200 (for container health checks).")

    @OptionGroup var common: CommonOptions

    @Option(help: "Port to ask (default HTTP_PORT; a worker's is WORKER_HTTP_PORT).")
    var port: Int?

    func run() async throws {
        let (config, _) = try await common.load(extra: ["LOG_LEVEL": "error"])
        let host = ["0.0.0.0", "::", ""].contains(config.http.host) ? "127.0.0.1" : config.http.host
        let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port ?? config.http.port)/health"
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(4))
            guard response.status == .ok else {
                print("unhealthy: \(url) answered \(response.status.code)")
                throw ExitCode(1)
            }
            print("healthy: \(url)")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            print("unhealthy: \(url): \(error)")
            throw ExitCode(1)
        }
    }
}
