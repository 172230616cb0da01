import Foundation
import Scanning
import Testing

@Suite struct ClamdScannerTests {
    @Test func eicarIsInfectedOverUnixSocket() async throws {
        let verdict = try await TestClamd.scanner(try TestClamd.unixSocket()).scan(bytes: Fixtures.eicar)
        #expect(verdict == .infected(signature: "Eicar-Test-Signature.UNOFFICIAL"))
    }

    @Test func eicarIsInfectedOverTCP() async throws {
        let verdict = try await TestClamd.scanner(try TestClamd.tcp()).scan(bytes: Fixtures.eicar)
        #expect(verdict == .infected(signature: "Eicar-Test-Signature.UNOFFICIAL"))
    }

    @Test func eicarAfterOneMegabyteOfPaddingInAFileIsFound() async throws {
        let scanner = TestClamd.scanner(try TestClamd.unixSocket())
        let verdict = try await Fixtures.withFile({ file in
            try file.write(contentsOf: Fixtures.randomBytes(1 << 20))
            try file.write(contentsOf: Fixtures.eicar)
        }) { try await scanner.scan(fileAt: $0) }
        #expect(verdict == .infected(signature: "Eicar-Test-Signature.UNOFFICIAL"))
    }

    @Test func tinyPNGIsClean() async throws {
        // A 1×1 transparent PNG.
        let png = Data(base64Encoded:
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")!
        let verdict = try await TestClamd.scanner(try TestClamd.unixSocket()).scan(bytes: png)
        #expect(verdict == .clean)
    }

    @Test func emptyInputIsClean() async throws {
        #expect(try await TestClamd.scanner(try TestClamd.tcp()).scan(bytes: [UInt8]()) == .clean)
    }

    @Test(arguments: ["unix", "tcp"])
    func tenMegabyteFileStreamsClean(transport: String) async throws {
        let endpoint = transport == "unix" ? try TestClamd.unixSocket() : try TestClamd.tcp()
        let scanner = TestClamd.scanner(endpoint)
        let verdict = try await Fixtures.withFile({ file in
            for _ in 0..<10 { try file.write(contentsOf: Fixtures.randomBytes(1 << 20)) }
        }) { url in
            let start = ContinuousClock.now
            let verdict = try await scanner.scan(fileAt: url)
            print("10 MB clean file over \(transport): \(ContinuousClock.now - start)")
            return verdict
        }
        #expect(verdict == .clean)
    }

    @Test(arguments: ["unix", "tcp"])
    func streamBeyondStreamMaxLengthIsRejected(transport: String) async throws {
        // test-clamd.sh sets StreamMaxLength 25M; a sparse file reads as zeros without using disk.
        // clamd answers and hangs up mid-stream, so this also checks the reply survives the broken pipe.
        let scanner = TestClamd.scanner(transport == "unix" ? try TestClamd.unixSocket() : try TestClamd.tcp())
        await #expect(throws: ScanError.sizeLimitExceeded) {
            try await Fixtures.withFile({ try $0.truncate(atOffset: 26 << 20) }) { try await scanner.scan(fileAt: $0) }
        }
    }

    @Test func pingAnswers() async throws {
        try await TestClamd.scanner(try TestClamd.unixSocket()).ping()
        try await TestClamd.scanner(try TestClamd.tcp()).ping()
    }

    @Test func concurrentScansAreIndependent() async throws {
        let scanner = TestClamd.scanner(try TestClamd.unixSocket())
        try await withThrowingTaskGroup(of: (Bool, ScanVerdict).self) { group in
            for i in 0..<8 {
                let infected = i.isMultiple(of: 2)
                group.addTask {
                    (infected, try await scanner.scan(bytes: infected ? Fixtures.eicar : Fixtures.randomBytes(4096)))
                }
            }
            for try await (infected, verdict) in group {
                #expect(verdict == (infected ? .infected(signature: "Eicar-Test-Signature.UNOFFICIAL") : .clean))
            }
        }
    }

    @Test func missingFileIsAFileErrorNotAScanError() async throws {
        let scanner = TestClamd.scanner(try TestClamd.unixSocket())
        let error = await #expect(throws: (any Error).self) {
            try await scanner.scan(fileAt: URL(fileURLWithPath: "/nonexistent/upload.bin"))
        }
        #expect(!(error is ScanError))
    }
}
