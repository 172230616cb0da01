import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import NIOCore
@testable import Services
import Testing
import TestSupport

/// OIDC tokens checked against a JWKS that the test serves itself over HTTP from keys it made.
@Suite struct OIDCTests {
    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim?
        var aud: AudienceClaim
        var iss: IssuerClaim
        var role: String
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func jwk(_ key: ES256PrivateKey, kid: String) -> String {
        let p = key.publicKey.parameters!
        return #"{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(p.x)","y":"\#(p.y)"}"#
    }

    /// Issue 22 item 10: a key published without `alg` took its algorithm from the first token
    /// that named it. Now it is pinned from the key's type when the set is loaded.
    @Test func keysWithoutAlgGetTheAlgorithmTheirTypeImplies() throws {
        let p = ES256PrivateKey().publicKey.parameters!
        func key(_ json: String) throws -> JWK { try JSONDecoder().decode(JWK.self, from: Data(json.utf8)) }
        let ec = try key(#"{"kty":"EC","crv":"P-256","kid":"e","x":"\#(p.x)","y":"\#(p.y)"}"#)
        #expect(ec.algorithm == nil)
        #expect(JWTVerifier.pinned(ec).algorithm == .es256)
        let rsa = try key(#"{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}"#)
        #expect(JWTVerifier.pinned(rsa).algorithm == .rs256)
        let published = try key(#"{"kty":"RSA","kid":"p","alg":"PS384","n":"AQAB","e":"AQAB"}"#)
        #expect(JWTVerifier.pinned(published).algorithm == .ps384)
    }

    @Test func tokensAreVerifiedBySignatureExpiryIssuerAudienceAndRole() async throws {
        let (first, rotated, stranger) = (ES256PrivateKey(), ES256PrivateKey(), ES256PrivateKey())
        let served = Locked([Self.jwk(first, kid: "k1")])
        let router = Router()
        router.get("/jwks.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: #"{"keys":[\#(served.withLock { $0.joined(separator: ",") })]}"#)))
        }
        let provider = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await provider.test(.live) { jwks in
            let config = AuthConfig.JWT(keys: .url("http://127.0.0.1:\(jwks.port!)/jwks.json"), issuer: "https://idp.example",
                                        audience: "facepipe", roleClaim: "role")
            let verifier = JWTVerifier(config: config, refetchInterval: .zero, logger: TestDatabase.logger)
            try await verifier.load()
            let signers = JWTKeyCollection()
            await signers.add(ecdsa: first, kid: "k1")
            await signers.add(ecdsa: rotated, kid: "k2")
            await signers.add(ecdsa: stranger, kid: "k3")
            @Sendable func token(kid: String = "k1", role: String = "gold", expires: TimeInterval = 300, audience: String = "facepipe",
                       issuer: String = "https://idp.example") async throws -> String {
                try await signers.sign(Claims(sub: "user-42", exp: .init(value: Date().addingTimeInterval(expires)), aud: .init(value: audience),
                                              iss: .init(value: issuer), role: role), kid: JWKIdentifier(string: kid))
            }
            try await IngestHarness.run(jwt: verifier) { client, env in
                @Sendable func status(_ token: String) async throws -> (Int, String) {
                    try await client.execute(uri: "/admin/keys", method: .get, headers: .bearer(token)) {
                        (Int($0.status.code), String(buffer: $0.body))
                    }
                }
                // A gold token reads images, but is no admin.
                try await client.execute(uri: "/images", method: .get, headers: .bearer(try await token())) { #expect($0.status == .ok) }
                #expect(try await status(try await token()).0 == 403)
                #expect(try await status(try await token(role: "admin")).0 == 200)
                for (bad, reason) in [
                    (try await token(expires: -120), "expired"),
                    (try await token(audience: "another-service"), "audience"),
                    (try await token(issuer: "https://evil.example"), "issuer"),
                    (try await token(role: "superuser"), "role"),
                    (try await token(kid: "k3"), "signing key is unknown"),
                    (String(try await token().dropLast(4)) + "AAAA", "signature"),
                ] {
                    let (code, body) = try await status(bad)
                    #expect(code == 401, "\(reason)")
                    #expect(body.contains(reason), "\(body)")
                }
                // The provider rotates its key: an unknown kid makes facepipe fetch the set again.
                served.withLock { $0.append(Self.jwk(rotated, kid: "k2")) }
                #expect(try await status(try await token(kid: "k2", role: "admin")).0 == 200)
                // The caller is the token's subject everywhere: audit, logs, jobs.
                try await client.execute(uri: "/reports/r-oidc", method: .put, headers: .bearer(try await token(role: "admin")).merging([.contentType: "application/json"]),
                                         body: ByteBuffer(string: #"{"status":"approved"}"#)) { #expect($0.status == .ok) }
                #expect(try await env.scalar("SELECT count(*) FROM audit_log WHERE actor = 'sub:user-42' AND role = 'admin'") == 1)
            }
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var copy = self
        for field in other { copy.append(field) }
        return copy
    }
}
