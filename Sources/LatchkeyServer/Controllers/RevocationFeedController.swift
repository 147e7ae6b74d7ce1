import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import ServiceLifecycle
import Synchronization
import LatchkeyWire

/// `GET /oauth2/revocations?cursor={next_cursor}&wait={seconds}`: the revocation rules
/// published after the cursor, for resource servers that check tokens themselves
/// (LatchkeyResourceKit follows it). A long poll: with nothing new, the answer waits up to `wait`
/// seconds (at most 30) for a rule from any node. The caller authenticates as a client (HTTP
/// Basic) that an operator marked as a resource server.
///
/// Answers `{"revocations":[…],"next_cursor":"…","more":…}`, at most 1,000 rules in the order
/// they were committed; pass `next_cursor` back, as it is (it is opaque); `more` says another
/// page waits. Without a cursor the feed starts
/// with every rule kept (an access token's lifetime). The cursor only moves forward, so any
/// number of rules published at one moment are read page after page.
struct RevocationFeedController {
    let authenticator: ClientAuthenticator
    let store: any RevocationStore
    let wakeup: RevocationWakeup
    let addressLimit: RateLimiter
    let longPolls: ConcurrencyLimiter

    static let longestWait = 30.0
    static let pageSize = 1000

    func addRoutes(to router: some RouterMethods<LatchkeyRequestContext>) {
        router.get("oauth2/revocations", use: feed)
    }

    struct Page: Encodable {
        let revocations: [RevocationEntry]
        let nextCursor: String
        /// Whether more rules wait after this page: ask again at once.
        let more: Bool

        enum CodingKeys: String, CodingKey {
            case revocations, more
            case nextCursor = "next_cursor"
        }
    }

    @Sendable func feed(_ request: Request, context: LatchkeyRequestContext) async throws -> Response {
        do {
            try addressLimit.check(address: context.remoteAddress)
            let caller = try await authenticator.authenticate(authorization: request.headers[.authorization], form: try FormParameters(""))
            // The feed names every seller's clients, tenants and users: resource servers only.
            guard caller.registration.isResourceServer else {
                throw OAuthError(
                    .unauthorizedClient,
                    "This client is not a resource server: an operator marks the platform's APIs' clients with resourceServer: true."
                )
            }
            let query = request.uri.queryParameters
            if query.get("since") != nil {
                throw OAuthError(.invalidRequest, "since is no longer read: pass the next_cursor of the last answer as cursor, or nothing to start.")
            }
            var cursor: Int64 = 0
            if let text = query.get("cursor") {
                guard let value = Self.sequence(of: String(text)) else {
                    throw OAuthError(.invalidRequest, "cursor must be the next_cursor of an earlier answer, as it was given.")
                }
                cursor = value
            }
            var wait = 0.0
            if let text = query.get("wait") {
                guard let value = Double(text), value >= 0, value <= Self.longestWait else {
                    throw OAuthError(.invalidRequest, "wait must be a number of seconds from 0 to 30.")
                }
                wait = value
            }
            let deadline = ContinuousClock.now + .milliseconds(Int(wait * 1000))
            let answer = try await longPolls.withPlace(caller.id.rawValue) {
                try await poll(after: cursor, until: deadline)
            }
            guard let answer else {
                throw OAuthError.rateLimited(
                    retryAfter: 1, "This client has \(longPolls.limit) long polls waiting already: wait for an answer before asking again."
                )
            }
            return answer
        } catch let error as OAuthError {
            return OAuthController.failure(error)
        }
    }

    /// Answers with the rules after `cursor`, waiting until `deadline` for one when there is none.
    private func poll(after cursor: Int64, until deadline: ContinuousClock.Instant) async throws -> Response {
        while true {
            let generation = wakeup.generation
            let rules = try await store.revocations(after: cursor, limit: Self.pageSize)
            // A long poll ends with the server's graceful shutdown rather than holding it up.
            if !rules.isEmpty || ContinuousClock.now >= deadline || Task.isShuttingDownGracefully {
                let next = rules.last?.sequence ?? cursor
                let page = Page(revocations: rules.map(Self.entry), nextCursor: Self.cursor(next), more: rules.count == Self.pageSize)
                return try OAuthController.json(page, status: .ok)
            }
            await withGracefulShutdownHandler {
                await wakeup.wait(after: generation, until: deadline)
            } onGracefulShutdown: {
                wakeup.fire()
            }
        }
    }

    /// The cursor as clients see it: opaque, versioned so that its form may change.
    static func cursor(_ sequence: Int64) -> String { "r1.\(sequence)" }

    static func sequence(of cursor: String) -> Int64? {
        guard cursor.hasPrefix("r1."), let value = Int64(cursor.dropFirst(3)), value >= 0 else { return nil }
        return value
    }

    static func entry(_ rule: Revocation) -> RevocationEntry {
        RevocationEntry(
            id: rule.id, created: rule.createdAt.timeIntervalSince1970, jti: rule.tokenID, clientID: rule.clientID, tenantID: rule.tenantID,
            subject: rule.subject, secretID: rule.secretID, issuedBefore: Int(rule.issuedBefore.timeIntervalSince1970.rounded(.down))
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
