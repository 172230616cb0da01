import Crypto
import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Turns a request's credential into a `Caller`: no credential is the anonymous caller; an API
/// key (`fp_…`) is looked up by its prefix and compared by SHA-256 in constant time; anything
/// else is a JWT when OIDC is configured. A credential that is present but invalid, revoked or
/// expired is refused (401), never downgraded to anonymous.
public struct CallerAuthenticator: Sendable {
    let keys: KeyRepository
    let jwt: JWTVerifier?
    let failures: FailedLoginLog
    let keyUse = KeyUse()
    let logger: Logger

    public init(client: DatabaseClient, jwt: JWTVerifier?, audit: AuditService, logger: Logger) {
        self.keys = KeyRepository(client: client, logger: logger)
        self.jwt = jwt
        self.failures = FailedLoginLog(audit: audit, logger: logger)
        self.logger = logger
    }

    public func authenticate(bearer token: String?, address: String?, requestID: String?) async throws -> Caller {
        guard let token else { return .anonymous(address: address) }
        do {
            if token.hasPrefix(APIKeyFormat.prefix) {
                return try await apiKey(token, address: address)
            }
            guard let jwt else { throw Refusal("unknown credential: send an API key (fp_…)") }
            do {
                let verified = try await jwt.verify(token)
                return Caller(role: verified.role, credential: .token(subject: verified.subject), address: address)
                    .expiring(verified.expires)
            } catch let rejection as JWTVerifier.Rejection {
                throw Refusal(rejection.reason)
            }
        } catch let refusal as Refusal {
            await failures.note(address: address, requestID: requestID)
            throw APIError.unauthenticated(refusal.reason)
        }
    }

    /// Logs a browser in with an API key or token: the session to keep and how long it lasts
    /// (12 hours, or until the token expires).
    public func login(credential: String, address: String?, requestID: String?) async throws -> (session: BrowserSession, lasts: Duration) {
        let caller = try await authenticate(bearer: credential.trimmingCharacters(in: .whitespacesAndNewlines), address: address,
                                            requestID: requestID)
        let twelveHours = 12 * 3600.0
        switch caller.credential {
        case .apiKey(let id):
            return (BrowserSession(role: caller.role, keyID: id), .seconds(twelveHours))
        case .token(let subject):
            let left = min(twelveHours, caller.expiresAt?.timeIntervalSinceNow ?? twelveHours)
            return (BrowserSession(role: caller.role, subject: subject), .seconds(max(1, left)))
        case .none, .commandLine:
            throw APIError.unauthenticated("paste an API key or a token to log in")
        }
    }

    /// The caller of a browser session, or nil when it no longer stands (its key was revoked).
    public func caller(for session: BrowserSession, address: String?) async throws -> Caller? {
        if let keyID = session.keyID {
            guard let id = UUID(uuidString: keyID), let key = try await keys.find(id: id), key.revokedAt == nil else { return nil }
            // The key's role now, not at login: a changed key changes its sessions too.
            return Caller(role: key.role, credential: .apiKey(id: keyID), address: address)
        }
        if let subject = session.subject { return Caller(role: session.role, credential: .token(subject: subject), address: address) }
        return nil
    }

    struct Refusal: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private func apiKey(_ token: String, address: String?) async throws -> Caller {
        guard let lookup = APIKeyFormat.lookup(of: token), let stored = try await keys.find(lookup: lookup) else {
            throw Refusal("invalid API key")
        }
        guard Self.constantTimeEqual(Array(SHA256.hash(data: Data(token.utf8))), stored.secretSHA256) else {
            throw Refusal("invalid API key")
        }
        guard stored.record.revokedAt == nil else { throw Refusal("this API key was revoked") }
        await keyUse.touchIfDue(stored.record.id) { try? await keys.touch(stored.record.id) }
        return Caller(role: stored.record.role, credential: .apiKey(id: stored.record.id.uuidString.lowercased()), address: address)
    }

    /// Compares every byte whatever the first difference, so timing says nothing about the secret.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// `last_used_at` is written at most once a minute per key and process, so authentication does
/// not turn every request into a write.
actor KeyUse {
    private var touched: [UUID: ContinuousClock.Instant] = [:]

    func touchIfDue(_ id: UUID, _ write: @Sendable () async -> Void) async {
        let now = ContinuousClock.now
        if let last = touched[id], now - last < .seconds(60) { return }
        touched[id] = now
        if touched.count > 10_000 { touched = touched.filter { now - $0.value < .seconds(60) } }
        await write()
    }
}

/// Refused credentials become `login_failed` audit entries, at most one per address a minute
/// (with how many were refused since the last entry), so a guessing burst cannot flood the log;
/// and at most `maxEntriesPerMinute` a minute in all, so rotating addresses cannot either
/// (issue 22): past that, one entry a minute says how many refusals went unlisted.
actor FailedLoginLog {
    static let maxEntriesPerMinute = 60

    let audit: AuditService
    let logger: Logger
    private var windows: [String: (started: ContinuousClock.Instant, count: Int)] = [:]
    /// This minute, across addresses: entries written and refusals not written.
    private var all: (started: ContinuousClock.Instant, written: Int, unlisted: Int)?

    init(audit: AuditService, logger: Logger) {
        self.audit = audit
        self.logger = logger
    }

    func note(address: String?, requestID: String?, now: ContinuousClock.Instant = .now) async {
        let key = address ?? "unknown"
        if var window = windows[key], now - window.started < .seconds(60) {
            window.count += 1
            windows[key] = window
            return
        }
        if let current = all, now - current.started < .seconds(60) {
            guard current.written < Self.maxEntriesPerMinute else {
                all?.unlisted += 1
                return
            }
            all?.written += 1
        } else {
            if let ended = all, ended.unlisted > 0 {
                await record(CallContext(caller: .anonymous(address: nil), requestID: nil),
                             ["unlisted_in_previous_minute": ended.unlisted, "entries_in_previous_minute": ended.written])
            }
            all = (now, 1, 0)
        }
        let refusedBefore = windows[key]?.count ?? 0
        windows[key] = (now, 0)
        if windows.count > 10_000 { windows = windows.filter { now - $0.value.started < .seconds(60) } }
        await record(CallContext(caller: .anonymous(address: address), requestID: requestID), ["refused_in_previous_minute": refusedBefore])
    }

    private func record(_ context: CallContext, _ data: [String: Int]) async {
        do {
            try await audit.record(.loginFailed, context, data: data.mapValues { $0 as Any })
        } catch {
            logger.error("cannot write a login_failed audit entry", metadata: ["error": "\(error)"])
        }
    }
}
