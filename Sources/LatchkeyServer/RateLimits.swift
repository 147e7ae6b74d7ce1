import Foundation
import LatchkeyCore
import LatchkeyOAuth
import Synchronization

/// Requests per minute allowed per key before `429 Too Many Requests`; 0 turns a limit off.
/// Each is a token bucket holding a minute's worth, so a burst of that many passes at once.
/// Limits are per node: behind a load balancer with N nodes a key gets up to N times as many.
public struct RateLimits: Sendable, Equatable {
    /// Token requests per authenticated client (`LATCHKEY_RATE_TOKENS_PER_CLIENT`).
    public var tokensPerClient = 6_000
    /// Token requests per remote address, before authentication (`LATCHKEY_RATE_TOKENS_PER_IP`).
    public var tokensPerAddress = 30_000
    /// Sign-in attempts per account email, API and pages (`LATCHKEY_RATE_SIGNINS_PER_ACCOUNT`).
    public var signInsPerAccount = 10
    /// Sign-in and sign-up attempts per remote address (`LATCHKEY_RATE_SIGNINS_PER_IP`).
    public var signInsPerAddress = 300
    /// Introspection, revocation and revocation-feed requests per authenticated client
    /// (`LATCHKEY_RATE_CHECKS_PER_CLIENT`): a resource server may introspect every call it serves.
    public var checksPerClient = 60_000
    /// The same per remote address, counted before authentication (`LATCHKEY_RATE_CHECKS_PER_IP`).
    public var checksPerAddress = 120_000
    /// Revocation-feed long polls waiting at once per client: more is a client that forgot to
    /// wait for its last answer.
    public var longPollsPerClient = 4

    public init() {}

    /// No limits: benchmarks that drive one client from one address.
    public static let off: RateLimits = {
        var limits = RateLimits()
        limits.tokensPerClient = 0
        limits.tokensPerAddress = 0
        limits.signInsPerAccount = 0
        limits.signInsPerAddress = 0
        limits.checksPerClient = 0
        limits.checksPerAddress = 0
        limits.longPollsPerClient = 0
        return limits
    }()
}

/// Token buckets by key, refilled continuously at `perMinute / 60` per second up to
/// `perMinute`. Keys not seen for two minutes are forgotten (their bucket would be full).
final class RateLimiter: Sendable {
    let perMinute: Int
    private let now: @Sendable () -> Double
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }
    private struct State {
        var buckets: [String: Bucket] = [:]
        var lastSweep: Double = 0
    }
    private let state = Mutex(State())

    init(perMinute: Int, now: @escaping @Sendable () -> Double = { Date().timeIntervalSinceReferenceDate }) {
        self.perMinute = perMinute
        self.now = now
    }

    /// Takes one request from `key`'s bucket: `nil` when admitted, else the seconds until one
    /// more would be (for `Retry-After`, at least 1).
    func admit(_ key: String) -> Int? {
        guard perMinute > 0 else { return nil }
        let capacity = Double(perMinute)
        let rate = capacity / 60
        let moment = now()
        return state.withLock { state in
            if moment - state.lastSweep > 120 {
                state.buckets = state.buckets.filter { moment - $0.value.updated < 120 }
                state.lastSweep = moment
            }
            var bucket = state.buckets[key] ?? Bucket(tokens: capacity, updated: moment)
            bucket.tokens = min(capacity, bucket.tokens + (moment - bucket.updated) * rate)
            bucket.updated = moment
            defer { state.buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }
}

extension RateLimiter {
    /// Takes one request from the bucket of the request's address, when it has one; refuses
    /// with 429 and `Retry-After` when it is empty.
    func check(address: String?) throws(OAuthError) {
        if let address, let wait = admit(address: address) {
            throw OAuthError.rateLimited(retryAfter: wait, "Too many requests from this address: retry after \(wait) s.")
        }
    }

    /// Takes one request from the bucket of a client address. IPv6 addresses count by their /64:
    /// one host commonly holds a whole /64 and could otherwise take a fresh bucket per request.
    func admit(address: String) -> Int? {
        guard perMinute > 0 else { return nil }
        guard address.contains(":"), let parsed = IPAddress(address), parsed.bytes.count == 16 else { return admit(address) }
        return admit(IPAddress(network: parsed, prefix: 64).description + "/64")
    }
}

/// The limiters of one server, built from the configuration.
struct RateLimiters: Sendable {
    let tokensPerClient: RateLimiter
    let tokensPerAddress: RateLimiter
    let signInsPerAccount: RateLimiter
    let signInsPerAddress: RateLimiter
    let checksPerClient: RateLimiter
    let checksPerAddress: RateLimiter
    let longPolls: ConcurrencyLimiter

    init(_ limits: RateLimits) {
        checksPerClient = RateLimiter(perMinute: limits.checksPerClient)
        checksPerAddress = RateLimiter(perMinute: limits.checksPerAddress)
        longPolls = ConcurrencyLimiter(limit: limits.longPollsPerClient)
        tokensPerClient = RateLimiter(perMinute: limits.tokensPerClient)
        tokensPerAddress = RateLimiter(perMinute: limits.tokensPerAddress)
        signInsPerAccount = RateLimiter(perMinute: limits.signInsPerAccount)
        signInsPerAddress = RateLimiter(perMinute: limits.signInsPerAddress)
    }

    /// A sign-in (or sign-up) attempt: per address, then per account; the seconds to wait when
    /// refused. Counted before the password is checked, so a refused attempt costs no bcrypt.
    func admitSignIn(email: String?, address: String?) -> Int? {
        if let address, let wait = signInsPerAddress.admit(address: address) { return wait }
        // The accounts' own normalization, so that no spelling of an email escapes its limit.
        let account = (try? EmailAddress.normalized(email)) ?? (email ?? "").lowercased()
        if !account.isEmpty, let wait = signInsPerAccount.admit(account) { return wait }
        return nil
    }
}

/// How many of something a key holds at once (0: no limit): long polls per client.
final class ConcurrencyLimiter: Sendable {
    let limit: Int
    private let held = Mutex<[String: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Runs `body` holding one of `key`'s places; `nil` without running it when all are held.
    func withPlace<T>(_ key: String, _ body: () async throws -> T) async rethrows -> T? {
        guard limit > 0 else { return try await body() }
        let taken = held.withLock { held in
            guard held[key, default: 0] < limit else { return false }
            held[key, default: 0] += 1
            return true
        }
        guard taken else { return nil }
        defer {
            held.withLock { held in
                held[key, default: 1] -= 1
                if held[key] == 0 { held[key] = nil }
            }
        }
        return try await body()
    }
}
