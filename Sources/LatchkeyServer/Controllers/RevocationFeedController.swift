import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import ServiceLifecycle
import Synchronization

/// `GET /oauth2/revocations?since={unix seconds}&wait={seconds}`: the revocation rules published
/// after `since`, for resource servers that check tokens themselves (LatchkeyResourceKit follows
/// it). A long poll: with nothing new, the answer waits up to `wait` seconds (at most 30) for a
/// rule from any node. The caller authenticates as a client (HTTP Basic) that an operator marked
/// as a resource server.
///
/// Answers `{"revocations":[…],"next_since":…}`; pass `next_since` back. Rules committed late
/// may carry a slightly earlier `created`, so each answer repeats the last 5 seconds' rules:
/// readers skip the ids they have seen.
struct RevocationFeedController {
    let authenticator: ClientAuthenticator
    let store: any RevocationStore
    let wakeup: RevocationWakeup

    static let overlap: TimeInterval = 5
    static let longestWait = 30.0

    func addRoutes(to router: some RouterMethods<LatchkeyRequestContext>) {
        router.get("oauth2/revocations", use: feed)
    }

    struct Entry: Encodable {
        let id: String
        let created: Double
        let jti: String?
        let clientId: String?
        let tid: String?
        let sub: String?
        let clientSecretId: String?
        let issuedBefore: Int

        enum CodingKeys: String, CodingKey {
            case id, created, jti, tid, sub
            case clientId = "client_id"
            case clientSecretId = "client_secret_id"
            case issuedBefore = "issued_before"
        }
    }

    struct Page: Encodable {
        let revocations: [Entry]
        let nextSince: Double

        enum CodingKeys: String, CodingKey {
            case revocations
            case nextSince = "next_since"
        }
    }

    @Sendable func feed(_ request: Request, context: LatchkeyRequestContext) async throws -> Response {
        do {
            let caller = try await authenticator.authenticate(authorization: request.headers[.authorization], form: try FormParameters(""))
            // The feed names every seller's clients, tenants and users: resource servers only.
            guard caller.registration.isResourceServer else {
                throw OAuthError(
                    .unauthorizedClient,
                    "This client is not a resource server: an operator marks the platform's APIs' clients with resourceServer: true."
                )
            }
            let query = request.uri.queryParameters
            let now = Date().timeIntervalSince1970
            let oldest = now - Revocation.retention
            var since = oldest
            if let text = query.get("since") {
                guard let value = Double(text), value.isFinite else {
                    throw OAuthError(.invalidRequest, "since must be a Unix time in seconds, such as the next_since of the last answer.")
                }
                since = max(value, oldest)
            }
            var wait = 0.0
            if let text = query.get("wait") {
                guard let value = Double(text), value >= 0, value <= Self.longestWait else {
                    throw OAuthError(.invalidRequest, "wait must be a number of seconds from 0 to 30.")
                }
                wait = value
            }
            let deadline = ContinuousClock.now + .milliseconds(Int(wait * 1000))
            while true {
                let generation = wakeup.generation
                let rules = try await store.revocations(after: Date(timeIntervalSince1970: since - Self.overlap), limit: 1000)
                let fresh = rules.contains { $0.createdAt.timeIntervalSince1970 > since }
                // A long poll ends with the server's graceful shutdown rather than holding it up.
                if fresh || ContinuousClock.now >= deadline || Task.isShuttingDownGracefully {
                    let next = max(since, rules.last?.createdAt.timeIntervalSince1970 ?? since)
                    return try OAuthController.json(Page(revocations: rules.map(Self.entry), nextSince: next), status: .ok)
                }
                await withGracefulShutdownHandler {
                    await wakeup.wait(after: generation, until: deadline)
                } onGracefulShutdown: {
                    wakeup.fire()
                }
            }
        } catch let error as OAuthError {
            return OAuthController.failure(error)
        }
    }

    static func entry(_ rule: Revocation) -> Entry {
        Entry(
            id: rule.id, created: rule.createdAt.timeIntervalSince1970, jti: rule.tokenID, clientId: rule.clientID, tid: rule.tenantID,
            sub: rule.subject, clientSecretId: rule.secretID, issuedBefore: Int(rule.issuedBefore.timeIntervalSince1970.rounded(.down))
        )
    }
}

/// Wakes the feed's long polls when a revocation notice arrives (from this node or another).
final class RevocationWakeup: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    init(changes: ChangeFeed) {
        changes.subscribe { [weak self] notices in
            if notices.contains(.revocation) || notices.contains(.everything) { self?.fire() }
        }
    }

    var generation: UInt64 { state.withLock { $0.generation } }

    func fire() {
        let waiting = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Returns once the generation moves past `generation`, or at `deadline`.
    func wait(after generation: UInt64, until deadline: ContinuousClock.Instant) async {
        let id = state.withLock { state in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(until: deadline)
            self?.resume(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    guard state.generation == generation, !Task.isCancelled, ContinuousClock.now < deadline else { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            resume(id)
        }
        timer.cancel()
    }

    private func resume(_ id: UInt64) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
    }
}
