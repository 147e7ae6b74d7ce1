import Foundation
import LatchkeyHTTP
import LatchkeyWire
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Follows Latchkey's revocation feed (`GET /oauth2/revocations`, a long poll) so that a resource
/// server refuses revoked tokens — a revoked consent, an uninstalled app, a deleted user or
/// client, a token revoked by its `jti` — within about a second, without introspecting each
/// call. Run `run()` for the server's lifetime (a task or a service) and hand the feed to
/// `AccessTokenVerifier.Configuration.revocations`.
public final class RevocationFeed: Sendable {
    /// The rules kept, by id, and indexed by the most selective field each names (`jti`, else
    /// the client, else the tenant, else the subject), so that a check reads a few buckets
    /// instead of every rule.
    private struct State {
        var rules: [String: RevocationEntry] = [:]
        var byToken: [String: [String: RevocationEntry]] = [:]
        var byClient: [String: [String: RevocationEntry]] = [:]
        var byTenant: [String: [String: RevocationEntry]] = [:]
        var bySubject: [String: [String: RevocationEntry]] = [:]
        var cursor: String?
        var lastAnswer: ContinuousClock.Instant?
        /// Whether the last answer said no more rules waited.
        var caughtUp = false

        mutating func add(_ id: String, _ rule: RevocationEntry) {
            rules[id] = rule
            if let jti = rule.jti {
                byToken[jti, default: [:]][id] = rule
            } else if let client = rule.clientID {
                byClient[client, default: [:]][id] = rule
            } else if let tenant = rule.tenantID {
                byTenant[tenant, default: [:]][id] = rule
            } else if let subject = rule.subject {
                bySubject[subject, default: [:]][id] = rule
            }
        }

        mutating func drop(olderThan oldest: Double) {
            guard rules.values.contains(where: { $0.created < oldest }) else { return }
            let kept = rules.filter { $0.value.created >= oldest }
            self = State(cursor: cursor, lastAnswer: lastAnswer, caughtUp: caughtUp)
            for (id, rule) in kept { add(id, rule) }
        }

        func candidates(tokenID: String?, clientID: String, tenantID: String?, subject: String) -> [RevocationEntry] {
            var found = Array((tokenID.flatMap { byToken[$0] } ?? [:]).values)
            found += (byClient[clientID] ?? [:]).values
            found += (tenantID.flatMap { byTenant[$0] } ?? [:]).values
            found += (bySubject[subject] ?? [:]).values
            return found
        }
    }

        public let url: URL
    private let authorization: String
    private let session: URLSession
    private let wait: Int
    private let state = Mutex(State())

    /// `issuer`: Latchkey's URL; the client authenticates to the feed as to introspection.
    public init(issuer: String, clientID: String, clientSecret: String, wait: Int = 25, session: URLSession = .shared) {
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        self.url = URL(string: base + "/oauth2/revocations")!
        self.authorization = "Basic " + Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()
        self.wait = wait
        self.session = session
    }

    /// Polls until cancelled; after a failed poll, waits a second and tries again.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await poll()
            } catch {
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Whether the follower has read every rule published (its last answer had no more waiting)
    /// and that answer came within the long poll's wait and a little: while not, revocations
    /// may be missing.
    public var isCurrent: Bool {
        state.withLock { state in state.caughtUp && (state.lastAnswer.map { $0.duration(to: .now) < .seconds(wait + 10) } ?? false) }
    }

    /// One request: returns when the feed answers (at once with news, else after `wait` seconds).
    public func poll() async throws {
        let cursor = state.withLock { $0.cursor }
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "wait", value: String(cursor == nil ? 0 : wait))]
            + (cursor.map { [URLQueryItem(name: "cursor", value: $0)] } ?? [])
        var request = URLRequest(url: components.url!)
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        request.timeoutInterval = TimeInterval(wait + 10)
        let (data, response) = try await session.cancellableData(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw AccessTokenError(description: "The revocation feed refused the request.") }
        let page = try JSONDecoder().decode(Page.self, from: data)
        let oldest = Date().timeIntervalSince1970 - 3600 - 300
        state.withLock { state in
            for entry in page.revocations { state.add(entry.id, entry) }
            state.drop(olderThan: oldest)
            state.cursor = page.next_cursor
            state.caughtUp = !(page.more ?? false)
            state.lastAnswer = .now
        }
    }

    /// Whether a published rule covers the token.
    public func isRevoked(tokenID: String?, clientID: String, tenantID: String?, subject: String, secretID: String? = nil, issuedAt: Date?) -> Bool {
        let issued = issuedAt?.timeIntervalSince1970 ?? 0
        return state.withLock { state in
            state.candidates(tokenID: tokenID, clientID: clientID, tenantID: tenantID, subject: subject).contains {
                $0.covers(tokenID: tokenID, clientID: clientID, tenantID: tenantID, subject: subject, secretID: secretID, issuedAt: issued)
            }
        }
    }

    private struct Page: Decodable {
        let revocations: [RevocationEntry]
        let next_cursor: String
        let more: Bool?
    }
}
