import App
import FacepipeCore
import Foundation
import Testing

@Suite struct ConfigTests {
    @Test func defaultsUseTheEmbeddedDatabase() throws {
        let config = try AppConfig(from: DictionaryConfigSource([:]))
        #expect(config.http == HTTPConfig(host: "127.0.0.1", port: 8080))
        #expect(config.database.target == .embedded(EmbeddedPostgresConfig()))
        #expect(config.queue.concurrency == 2)
        #expect(config.log.format == .json)
    }

    @Test func databaseURLSelectsAnExternalServer() throws {
        let config = try AppConfig(from: DictionaryConfigSource([
            "DATABASE_URL": "postgresql://app:s%40cret@db.internal:6543/evidence?sslmode=require",
        ]))
        let expected = DatabaseURL(host: "db.internal", port: 6543, username: "app", password: "s@cret",
                                   database: "evidence", tls: .require)
        #expect(config.database.target == .external(expected))
        #expect(expected.description == "postgres://app@db.internal:6543/evidence")
    }

    @Test(arguments: [
        ("HTTP_PORT", "eighty"), ("HTTP_PORT", "70000"), ("PROCESSOR_CONCURRENCY", "0"),
        ("QUEUE_LEASE_SECONDS", "-1"), ("QUEUE_DIAGNOSTIC_JOBS", "maybe"), ("LOG_LEVEL", "loud"),
        ("DATABASE_URL", "mysql://root@localhost/db"), ("DATABASE_URL", "postgres://localhost/db"),
        ("DATABASE_URL", "postgres://u@localhost/"), ("DATABASE_URL", "postgres://u@h/db?sslmode=sometimes"),
        ("EMBEDDED_PG_PORT", "80"),
    ])
    func badValuesFailNamingTheVariable(variable: String, value: String) {
        #expect {
            _ = try AppConfig(from: DictionaryConfigSource([variable: value]))
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.variable == variable && error.description.contains(variable)
        }
    }

    @Test func passwordsNeverAppearInErrors() {
        #expect {
            _ = try AppConfig(from: DictionaryConfigSource(["DATABASE_URL": "postgres://u:hunter2@h/db?sslmode=bad"]))
        } throws: { error in
            "\(error)".contains("DATABASE_URL") && !"\(error)".contains("hunter2")
        }
    }

    @Test func readerChainPrefersCommandLineThenEnvironmentFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-\(UUID()).env")
        try "HTTP_PORT=9191\nQUEUE_MAX_ATTEMPTS=7\nPROCESSOR_CONCURRENCY=3\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let config = try await ConfigLoader.load(overrides: ["PROCESSOR_CONCURRENCY": "9"], environmentFile: file.path)
        #expect(config.http.port == 9191)
        #expect(config.queue.maxAttempts == 7)
        #expect(config.queue.concurrency == 9)
    }

    @Test func badValueInEnvironmentFileFailsAtLoad() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-\(UUID()).env")
        try "QUEUE_POLL_INTERVAL_MS=soon\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        await #expect(throws: ConfigError(variable: "QUEUE_POLL_INTERVAL_MS", value: "soon", expected: "an integer in 10...600000")) {
            _ = try await ConfigLoader.load(environmentFile: file.path)
        }
    }
}

@Suite struct BackoffTests {
    @Test func ceilingDoublesUpToTheMaximum() {
        let backoff = Backoff(baseMilliseconds: 1000, maxMilliseconds: 10_000)
        #expect((1...6).map { backoff.ceilingMilliseconds(attempt: $0) } == [1000, 2000, 4000, 8000, 10_000, 10_000])
        #expect(backoff.ceilingMilliseconds(attempt: 500) == 10_000)
    }

    @Test func delaysStayWithinTheirJitterBandAndGrow() {
        let backoff = Backoff(baseMilliseconds: 100, maxMilliseconds: 1_000_000)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var previous = 0
            for attempt in 1...8 {
                let delay = backoff.delayMilliseconds(attempt: attempt, using: &generator)
                let ceiling = backoff.ceilingMilliseconds(attempt: attempt)
                #expect(delay >= ceiling / 2 && delay <= ceiling)
                #expect(delay >= previous)
                previous = delay
            }
        }
    }
}

@Suite struct AuthConfigTests {
    @Test func defaultsDenyAnonymousUploadsAndMetrics() throws {
        let auth = try AppConfig(from: DictionaryConfigSource([:])).auth
        #expect(auth.policy == AccessPolicy(publicUploads: false, publicMetrics: false))
        #expect(auth.jwt == nil)
        #expect(auth.uploadsPerMinute == 20 && auth.faceSearchesPerMinute == 10)
        #expect(auth.erasedReupload == .reject)
        #expect(auth.adminKeyFile == ".data/admin.key")
    }

    @Test func oidcSettingsAreReadTogether() throws {
        let auth = try AuthConfig(from: DictionaryConfigSource([
            "AUTH_JWT_JWKS_URL": "https://idp.example/jwks.json", "AUTH_JWT_ISSUER": "https://idp.example",
            "AUTH_JWT_AUDIENCE": "facepipe", "AUTH_JWT_ROLE_CLAIM": "facepipe_role", "TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2",
        ]))
        #expect(auth.jwt == .init(keys: .url("https://idp.example/jwks.json"), issuer: "https://idp.example", audience: "facepipe",
                                  roleClaim: "facepipe_role"))
        #expect(auth.trustedProxies == ["10.0.0.1", "10.0.0.2"])
    }

    @Test(arguments: [
        (["AUTH_JWT_ISSUER": "https://idp.example"], "AUTH_JWT_ISSUER"),
        (["AUTH_JWT_JWKS_URL": "ftp://x", ], "AUTH_JWT_JWKS_URL"),
        (["AUTH_JWT_JWKS_URL": "https://a", "AUTH_JWT_JWKS_FILE": "/b"], "AUTH_JWT_JWKS_FILE"),
        // Issue 22 item 10: a key set over plain HTTP to another host, and OIDC without issuer
        // or audience (a token the provider issued to another application would pass).
        (["AUTH_JWT_JWKS_URL": "http://idp.example/jwks.json", "AUTH_JWT_ISSUER": "i", "AUTH_JWT_AUDIENCE": "a"], "AUTH_JWT_JWKS_URL"),
        (["AUTH_JWT_JWKS_URL": "http://127.0.0.1.evil.example/j", "AUTH_JWT_ISSUER": "i", "AUTH_JWT_AUDIENCE": "a"], "AUTH_JWT_JWKS_URL"),
        (["AUTH_JWT_JWKS_URL": "https://idp.example/jwks.json", "AUTH_JWT_AUDIENCE": "a"], "AUTH_JWT_ISSUER"),
        (["AUTH_JWT_JWKS_URL": "https://idp.example/jwks.json", "AUTH_JWT_ISSUER": "i"], "AUTH_JWT_AUDIENCE"),
        (["AUTH_JWT_JWKS_FILE": "/etc/jwks.json", "AUTH_JWT_ISSUER": "i"], "AUTH_JWT_AUDIENCE"),
        (["ERASED_REUPLOAD": "maybe"], "ERASED_REUPLOAD"),
        (["PUBLIC_UPLOADS": "sometimes"], "PUBLIC_UPLOADS"),
    ])
    func badSettingsNameTheirVariable(_ values: [String: String], _ variable: String) {
        #expect(throws: ConfigError.self) { try AuthConfig(from: DictionaryConfigSource(values)) }
        do { _ = try AuthConfig(from: DictionaryConfigSource(values)) } catch {
            #expect("\(error)".contains(variable))
        }
    }

    @Test func theMatrixGrowsWithTheRoles() {
        let policy = AccessPolicy()
        for permission in Permission.allCases {
            let needed = policy.minimumRole(for: permission)
            for role in Role.allCases {
                #expect(policy.allows(Caller(role: role, credential: .none), permission) == (role >= needed), "\(permission) \(role)")
            }
        }
        #expect(AccessPolicy(publicUploads: true).minimumRole(for: .upload) == .anonymous)
        #expect(policy.minimumRole(for: .viewOriginals) == .admin)
        #expect(policy.minimumRole(for: .seeUnmasked) == .gold)
    }

    /// Issue 22 item 9: the Kubernetes template's placeholder (and values like it) passed the
    /// length check, so `facepipe serve` started and stayed healthy with a guessable signing key.
    @Test(arguments: ["CHANGE-ME-TO-32-OR-MORE-RANDOM-CHARACTERS", String(repeating: "s", count: 40),
                      String(repeating: "ab", count: 20), "replace-with-a-long-random-string-please", "x" + String(repeating: "0", count: 40)])
    func placeholderSecretsAreRefusedAtStartUp(secret: String) {
        for variable in ["MEDIA_SIGNING_SECRET", "WEBHOOK_SECRET"] {
            do {
                _ = try AppConfig(from: DictionaryConfigSource([variable: secret]))
                Issue.record("\(variable)=\(secret) was accepted")
            } catch let error as ConfigError {
                #expect(error.variable == variable)
                #expect(!error.description.contains(secret), "the refusal must not print the secret")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        // A random value of the same length passes.
        #expect(SecretStrength.problem("9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e", minimumLength: 32) == nil)
    }
}
