import Crypto
import Foundation
@testable import Server
import Testing

/// The API's types and server stubs are generated from openapi.yaml and committed
/// (scripts/generate-openapi.sh): they must be what the document and the generator's
/// configuration in the tree give, or the API would serve a contract the code does not follow.
@Suite struct OpenAPIGeneratedFromTests {
    static let serverSources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/Server")

    static func sha256(_ relativePath: String) throws -> String {
        let data = try Data(contentsOf: serverSources.appendingPathComponent(relativePath))
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    @Test func theGeneratedCodeIsFromTheDocumentAndConfigurationInTheTree() throws {
        #expect(try Self.sha256("openapi.yaml") == OpenAPIGeneratedFrom.openAPIDocumentSHA256,
                "Sources/Server/openapi.yaml changed since the code was generated: run `make openapi`")
        #expect(try Self.sha256("Generated/openapi-generator-config.yaml") == OpenAPIGeneratedFrom.generatorConfigSHA256,
                "the generator's configuration changed since the code was generated: run `make openapi`")
    }
}
