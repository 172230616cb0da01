import Testing

@testable import Imaging

/// Expects `body` to throw `ImagingError.invalidImage` (damaged input).
func expectInvalidImage(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    let error = #expect(throws: ImagingError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return }
    if case .invalidImage(let message) = error {
        #expect(!message.isEmpty, sourceLocation: sourceLocation)
    } else {
        Issue.record("expected invalidImage, got \(error)", sourceLocation: sourceLocation)
    }
}
