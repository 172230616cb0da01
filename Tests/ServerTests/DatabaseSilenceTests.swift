import FacepipeCore
import Foundation
import Persistence
import PostgresNIO
@testable import Server
import Testing
import TestSupport

/// A database whose address stops answering, as when its container stops (issue 26): connection
/// attempts get no reply, so PostgresNIO's pool keeps a request waiting through one 10 s connect
/// timeout after another until its circuit breaker opens (compose-test saw more than 30 s). The
/// availability monitor declares the outage after two failed pings and ends every wait then; the
/// API answers it 503 `database_unavailable`. Decided by which error ended the wait.
@Suite struct DatabaseSilenceTests {
    @Test func aRequestWaitingWhenTheDatabaseStopsAnsweringIsRefusedWhenTheOutageIsDeclared() async throws {
        let silent = try SilentTCPListener()
        let url = DatabaseURL(host: "127.0.0.1", port: silent.port, username: "facepipe", password: "unused", database: "facepipe")
        let logger = TestDatabase.logger
        // A long limit, so only the monitor's verdict can end the wait in this test.
        try await Database.withClient(url: url, poolSize: 2, waitLimit: .seconds(600), logger: logger) { client in
            let availability = DatabaseAvailability(url: url, requests: client, interval: .milliseconds(250), logger: logger)
            let request = Task { try await client.query("SELECT 1") }
            try #require(try await eventually { client.waiting == 1 })
            let monitor = Task { try await availability.run() }
            defer { monitor.cancel() }
            let error = await #expect(throws: DatabaseWaitError.outage) { try await withTimeout(patience) { try await request.value } }
            #expect(!availability.isUp)
            #expect(error.map { DatabaseOutage.matches($0) } == true, "answered 503 database_unavailable")
            #expect(client.waiting == 0)
        }
    }
}
