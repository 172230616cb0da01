import FacepipeCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
@testable import Server
import Services
import Testing
import TestSupport

/// Who may do what, checked over HTTP against a real database.
@Suite struct AccessTests {
    /// Every operation of openapi.yaml, as (method, path template, operationId).
    static func operations() throws -> [(method: HTTPRequest.Method, path: String, id: String)] {
        let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Server/openapi.yaml")
        var result: [(HTTPRequest.Method, String, String)] = []
        var path = "", method = ""
        for line in try String(contentsOf: spec, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("components:") { break }
            if line.hasPrefix("  /") && line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()) }
            if line.hasPrefix("    ") && !line.hasPrefix("     ") && line.hasSuffix(":") { method = line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ":", with: "") }
            if line.hasPrefix("      operationId: ") {
                result.append((HTTPRequest.Method(method.uppercased())!, path, String(line.dropFirst("      operationId: ".count))))
            }
        }
        return result
    }

    /// A request the runtime accepts as well-formed for each operation, so what answers is the
    /// service's access decision and not a decoding error.
    static func request(_ id: String, path: String) -> (uri: String, headers: HTTPFields, body: ByteBuffer?) {
        let value = path.hasPrefix("/jobs/") || path.hasPrefix("/duplicates/") ? "1"
            : path.hasPrefix("/reports/") ? "r-walk" : "00000000-0000-4000-8000-000000000001"
        let uri = path.replacingOccurrences(of: "{id}", with: value)
            .replacingOccurrences(of: "{imageId}", with: "00000000-0000-4000-8000-000000000001")
        func json(_ text: String) -> (String, HTTPFields, ByteBuffer?) { (uri, [.contentType: "application/json"], ByteBuffer(string: text)) }
        switch id {
        case "uploadImages", "uploadDocuments", "searchFace":
            let form = Multipart(files: [.init(name: id == "searchFace" ? "image" : "files", filename: "a.jpg", contentType: "image/jpeg",
                                               data: Data([0xFF, 0xD8, 0xFF]))])
            return (uri, [.contentType: form.contentType], form.body)
        case "initUpload", "presignUpload": return json(#"{"filename":"a.jpg","contentType":"image/jpeg"}"#)
        case "putUpload": return (uri + "?expires=1&signature=x", [.contentType: "application/octet-stream"], ByteBuffer(string: "x"))
        case "reviewDuplicate": return json(#"{"status":"confirmed"}"#)
        case "setReport": return json(#"{"status":"approved"}"#)
        case "reviewReportEvidence": return json(#"{"decision":"approve"}"#)
        case "splitIdentity": return json(#"{"faceIds":["00000000-0000-4000-8000-000000000002"]}"#)
        case "mergeIdentity": return json(#"{"identityId":"00000000-0000-4000-8000-000000000002"}"#)
        case "createKey": return json(#"{"role":"standard","name":"walk"}"#)
        default: return (uri, [:], nil)
        }
    }

    /// The matrix in Core covers every operation, and each operation answers anonymous and
    /// standard callers as the matrix says: a route that forgets to authorize fails here.
    @Test func everyOperationAnswersAnonymousAndStandardCallersAsTheMatrixSays() async throws {
        let operations = try Self.operations()
        #expect(Set(operations.map(\.id)) == Set(AccessPolicy.operations.keys), "openapi.yaml and AccessPolicy.operations disagree")
        let policy = AccessPolicy()
        try await IngestHarness.run { client, env in
            let standard = client.with(key: try await env.key(.standard))
            for operation in operations {
                guard let permission = AccessPolicy.operations[operation.id] else { continue }
                let needed = policy.minimumRole(for: permission)
                let (uri, headers, body) = Self.request(operation.id, path: operation.path)
                for (caller, role) in [(client.anonymous, Role.anonymous), (standard, Role.standard)] {
                    try await caller.execute(uri: uri, method: operation.method, headers: headers, body: body) { response in
                        let status = response.status.code, code = response.errorCode
                        if role >= needed {
                            #expect(status != 401 && code != "forbidden", "\(operation.id) as \(role): \(status) \(String(buffer: response.body))")
                        } else if role == .anonymous {
                            #expect(status == 401 && code == "unauthenticated", "\(operation.id) as anonymous: \(status)")
                            #expect(response.headers[.init("WWW-Authenticate")!]?.hasPrefix("Bearer") == true, "\(operation.id)")
                        } else {
                            #expect(status == 403 && code == "forbidden", "\(operation.id) as \(role): \(status) \(String(buffer: response.body))")
                        }
                    }
                }
            }
        }
    }

    @Test func metricsNeedAnAdminUnlessPublic() async throws {
        try await IngestHarness.run { client, env in
            try await client.anonymous.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.with(key: try await env.key(.gold)).execute(uri: "/metrics", method: .get) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .ok) }
        }
        try await IngestHarness.run(auth: AuthConfig(policy: AccessPolicy(publicMetrics: true), uploadsPerMinute: 0, faceSearchesPerMinute: 0)) { client, _ in
            try await client.anonymous.execute(uri: "/metrics", method: .get) { #expect($0.status == .ok) }
        }
    }

    /// Keys: created over HTTP (secret shown once), usable, listed without secrets, revoked at once.
    /// Bad credentials are 401 whatever their shape, and never fall back to anonymous.
    @Test func keysAreCreatedUsedListedAndRevoked() async throws {
        try await IngestHarness.run { client, env in
            var id = "", secret = ""
            try await client.execute(uri: "/admin/keys", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"role":"gold","name":"analyst 7"}"#)) { response in
                #expect(response.status == .created)
                id = response.json["id"] as? String ?? ""
                secret = response.json["key"] as? String ?? ""
                #expect(response.json["role"] as? String == "gold")
            }
            #expect(secret.hasPrefix("fp_") && secret.count == 46)
            let gold = client.with(key: secret)
            try await gold.execute(uri: "/images", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/admin/keys", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(id) && !text.contains(secret))
            }
            // Only the hash is stored.
            #expect(try await env.scalar("SELECT count(*) FROM api_keys WHERE position('\(secret)' in secret_sha256::text) > 0") == 0)
            try await client.execute(uri: "/admin/keys/\(id)", method: .delete) { #expect($0.json["revokedAt"] != nil) }
            try await gold.execute(uri: "/images", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("revoked"))
            }
            let wrong = String(secret.dropLast()) + (secret.hasSuffix("A") ? "B" : "A")
            for header in ["Bearer \(wrong)", "Bearer fp_short", "Bearer not-a-key", "Basic dXNlcjpwYXNz", "Bearer "] {
                try await client.execute(uri: "/health", method: .get, headers: [.authorization: header]) { response in
                    #expect(response.status == .unauthorized, "\(header)")
                    #expect(response.headers[.init("WWW-Authenticate")!] != nil)
                }
            }
            // A burst of refusals from one address is one audit entry, not one per try.
            let failures = try await env.services.audit.list(.init(action: "login_failed"), cursor: nil, limit: 50, .commandLine(user: "t"))
            #expect(failures.entries.count == 1)
            let created = try await env.services.audit.list(.init(action: "key_created"), cursor: nil, limit: 50, .commandLine(user: "t"))
            #expect(created.entries.contains { $0.target == "key:\(id)" && $0.role == "admin" })
            let revoked = try await env.services.audit.list(.init(action: "key_revoked"), cursor: nil, limit: 50, .commandLine(user: "t"))
            #expect(revoked.entries.map(\.target) == ["key:\(id)"])
        }
    }

    /// The audit log is append-only in the database itself, and `GET /audit` reads it for admins.
    @Test func theAuditLogIsAppendOnlyAndReadable() async throws {
        try await IngestHarness.run { client, env in
            try await client.execute(uri: "/reports/r-9", method: .put, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"status":"approved"}"#)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/audit?action=report_status_changed", method: .get) { response in
                #expect(response.status == .ok)
                let items = response.json["items"] as? [[String: Any]] ?? []
                #expect(items.count == 1)
                #expect(items.first?["target"] as? String == "report:r-9")
                #expect((items.first?["data"] as? [String: Any])?["to"] as? String == "approved")
                #expect((items.first?["actor"] as? String)?.hasPrefix("key:") == true)
            }
            // Handing out a signed link to an original is recorded (the upload answer's too); a standard
            // caller gets no link and no entry.
            var imageID = ""
            try await client.upload(Multipart(files: [.init(filename: "a.jpg", contentType: "image/jpeg", data: try TestImages.jpeg())])) {
                imageID = $0.files.first?["id"] as? String ?? ""
                #expect($0.files.first?["originalUrl"] != nil)
            }
            #expect(try await env.scalar("SELECT count(*) FROM audit_log WHERE action = 'original_viewed'") == 1)
            try await client.with(key: try await env.key(.standard)).execute(uri: "/images/\(imageID)", method: .get) {
                #expect($0.json["originalUrl"] == nil)
            }
            #expect(try await env.scalar("SELECT count(*) FROM audit_log WHERE action = 'original_viewed'") == 1)
            try await client.execute(uri: "/images/\(imageID)", method: .get) { #expect($0.json["originalUrl"] != nil) }
            #expect(try await env.scalar(
                "SELECT count(*) FROM audit_log WHERE action = 'original_viewed' AND target = 'image:\(imageID)' AND role = 'admin'") == 2)
            // A reviewed pair is recorded.
            try await client.upload(Multipart(files: [.init(filename: "b.jpg", contentType: "image/jpeg", data: try TestImages.jpeg(seed: 7))])) { _ in }
            try await env.client.query("""
                INSERT INTO image_duplicates (image1_id, image2_id, ahash_distance, dhash_distance, phash_distance, pdq_distance,
                                              similarity, confidence)
                SELECT least(a.id, b.id), greatest(a.id, b.id), 2, 2, 3, 10, 0.95, 0.8 FROM images a, images b WHERE a.id < b.id LIMIT 1
                """)
            let pair = try await env.scalar("SELECT id FROM image_duplicates LIMIT 1")
            try await client.execute(uri: "/duplicates/\(pair)/review", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"status":"confirmed"}"#)) { #expect($0.status == .ok) }
            #expect(try await env.scalar(
                "SELECT count(*) FROM audit_log WHERE action = 'duplicate_reviewed' AND target = 'duplicate:\(pair)'") == 1)
            for statement in ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
                await #expect(throws: PSQLError.self, "\(statement)") {
                    try await env.client.query(PostgresQuery(unsafeSQL: statement))
                }
            }
            #expect(try await env.scalar("SELECT count(*) FROM audit_log WHERE action = 'report_status_changed'") == 1)
        }
    }

    /// X-Forwarded-For counts only from a trusted proxy, so a client cannot pick its address.
    @Test func clientAddressesComeFromTrustedProxiesOnly() {
        let trusted: TrustedProxies = ["10.0.0.1"]
        #expect(CallerAuthenticationMiddleware.clientAddress(peer: "10.0.0.1", forwardedFor: "203.0.113.9", trusted: trusted) == "203.0.113.9")
        #expect(CallerAuthenticationMiddleware.clientAddress(peer: "10.0.0.1", forwardedFor: "6.6.6.6, 203.0.113.9, 10.0.0.1",
                                                            trusted: trusted) == "203.0.113.9")
        #expect(CallerAuthenticationMiddleware.clientAddress(peer: "198.51.100.7", forwardedFor: "203.0.113.9", trusted: trusted) == "198.51.100.7")
        // An Ingress controller's pods: any address of the pod network is a proxy, so every hop
        // inside it is skipped and a forged hop before the client's own is never reached.
        let podNetwork: TrustedProxies = ["10.42.0.0/16"]
        #expect(CallerAuthenticationMiddleware.clientAddress(peer: "10.42.3.17", forwardedFor: "6.6.6.6, 203.0.113.9, 10.42.0.5",
                                                            trusted: podNetwork) == "203.0.113.9")
        #expect(CallerAuthenticationMiddleware.clientAddress(peer: "10.43.0.1", forwardedFor: "203.0.113.9", trusted: podNetwork) == "10.43.0.1")
    }

    @Test func namesAreMaskedAsSeed000Shows() {
        #expect(NameMask.mask("Vladimir Gza") == "Vlxxxr Gxa")
        #expect(NameMask.mask("Jo  Ann Li") == "Jx Axn Lx")
        #expect(NameMask.mask("Alexandrina") == "Alxxxa")
    }
}
