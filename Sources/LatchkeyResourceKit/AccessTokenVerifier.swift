import Foundation
import JWTKit
import LatchkeyHTTP
import LatchkeyWire
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a resource server knows of a caller once its access token checks out (RFC 9068 §2.2).
public struct VerifiedAccessToken: Sendable, Equatable {
    /// The user, or for an app-only token the client itself.
    public let subject: String
    public let clientID: String
    /// The tenant (realm) the token is for.
    public let tenantID: String?
    /// Delegated permissions; empty for an app-only token.
    public let scopes: Set<String>
    /// App-only permissions; `nil` for a token held for a user.
    public let roles: Set<String>?
    public let expiresAt: Date

    public var isAppOnly: Bool { roles != nil }

    /// Whether the token carries the permission, as a scope or (app-only) a role.
    public func grants(_ permission: String) -> Bool {
        scopes.contains(permission) || roles?.contains(permission) == true
    }
}

/// Why a token was refused; `description` is safe to send back in `WWW-Authenticate`.
public struct AccessTokenError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Validates Latchkey's JWT access tokens for a platform API: the type (`at+jwt`, RFC 9068 §2.1),
/// the signature against the issuer's JWK Set, the issuer, the audience and the lifetime
/// (`exp`, and `nbf` when present); optionally asks Latchkey's introspection endpoint too, so
/// that a revoked consent stops a token at once rather than when it expires.
///
/// The JWK Set is fetched when first needed and again after `keySetLifetime`; between those, only
/// a well-formed token whose `kid` is not in the set makes it fetch again (a key rotated in), at
/// most once per `unknownKeyRefetchInterval`, and one fetch at a time however many requests wait
/// for it. A malformed token, or a bad signature under a known key, never makes it fetch.
public final class AccessTokenVerifier: Sendable {
    public struct Configuration: Sendable {
        /// Latchkey's issuer URL, as in its tokens' `iss`.
        public var issuer: String
        /// The API's audience; Latchkey's tokens name the platform.
        public var audience: String
        /// Other audiences the API answers to: a site of the ACS profile accepts tokens whose
        /// `aud` is `00000003-0000-0ff1-ce00-000000000000/{its host}@{realm}`.
        public var additionalAudiences: Set<String> = []
        public var jwksURL: URL
        /// Credentials of a client that may introspect; `nil` trusts signature and lifetime alone.
        public var introspection: (url: URL, clientID: String, clientSecret: String)?
        /// A followed revocation feed: tokens it covers are refused without asking the issuer.
        public var revocations: RevocationFeed?
        /// Tolerated clock difference.
        public var leeway: TimeInterval
        /// How long a fetched JWK Set is trusted before it is fetched again.
        public var keySetLifetime: TimeInterval
        /// The shortest time between two fetches caused by tokens naming an unknown `kid`.
        public var unknownKeyRefetchInterval: TimeInterval = 30

        public init(
            issuer: String, audience: String = ACSPrincipal.platform,
            introspection: (clientID: String, clientSecret: String)? = nil, leeway: TimeInterval = 60, keySetLifetime: TimeInterval = 300
        ) {
            let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
            self.issuer = base
            self.audience = audience
            self.jwksURL = URL(string: base + "/.well-known/jwks.json")!
            self.introspection = introspection.map { (URL(string: base + "/oauth2/introspect")!, $0.clientID, $0.clientSecret) }
            self.leeway = leeway
            self.keySetLifetime = keySetLifetime
        }
    }

    struct Claims: JWTPayload {
        var iss: String
        var sub: String
        var aud: String
        var exp: Int
        var iat: Int?
        var jti: String?
        var client_id: String
        var tid: String?
        var scp: String?
        var roles: [String]?
        var client_secret_id: String?
        var nbf: Int?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    typealias Keys = [String: (alg: String, algorithm: any JWTAlgorithm)]

    /// The issuer's keys by `kid`, each with its algorithm's name, taken out of JWTKit's key
    /// collection when fetched: verifying through the collection (an actor) would run every
    /// request's check on one executor, one at a time.
    private struct KeySet {
        var keys: Keys
        var fetchedAt: Date
    }

    private struct State {
        var keySet: KeySet?
        /// The fetch under way, shared by every request that needs it.
        var fetch: Task<KeySet, any Error>?
        var lastUnknownKeyFetch: ContinuousClock.Instant?
        var fetches = 0
    }

    public let configuration: Configuration
    private let state = Mutex(State())
    private let session: URLSession

    public init(configuration: Configuration, session: URLSession = .shared) {
        self.configuration = configuration
        self.session = session
    }

    /// How many times the JWK Set was fetched.
    public var keySetFetches: Int { state.withLock { $0.fetches } }

    /// The token's claims, or an error saying why it is refused.
    public func verify(_ token: String, now: Date = Date()) async throws(AccessTokenError) -> VerifiedAccessToken {
        guard let jws = Self.parse(token) else {
            throw AccessTokenError(description: "The access token is not a JWT access token (at+jwt) signed by a key of the issuer.")
        }
        var keys = try await currentKeys()
        if keys[jws.kid] == nil {
            // A key rotated in since the last fetch: fetch again, unless that was done lately.
            keys = try await fetchKeys(unknownKey: true) ?? keys
        }
        guard let key = keys[jws.kid], key.alg == jws.alg else {
            throw AccessTokenError(description: "The access token is not signed by a key of the issuer.")
        }
        let claims: Claims
        do {
            guard try key.algorithm.verify(jws.signature, signs: jws.signingInput) else { throw AccessTokenError(description: "") }
            claims = try JSONDecoder().decode(Claims.self, from: jws.payload)
        } catch {
            throw AccessTokenError(description: "The access token's signature does not verify with the issuer's keys.")
        }
        guard claims.iss == configuration.issuer else { throw AccessTokenError(description: "The access token comes from another issuer.") }
        guard claims.aud == configuration.audience || configuration.additionalAudiences.contains(claims.aud) else {
            throw AccessTokenError(description: "The access token is for another audience.")
        }
        guard Double(claims.exp) + configuration.leeway > now.timeIntervalSince1970 else {
            throw AccessTokenError(description: "The access token has expired.")
        }
        if let nbf = claims.nbf, Double(nbf) - configuration.leeway > now.timeIntervalSince1970 {
            throw AccessTokenError(description: "The access token is not valid yet (nbf).")
        }
        if let feed = configuration.revocations,
            feed.isRevoked(
                tokenID: claims.jti, clientID: claims.client_id, tenantID: claims.tid, subject: claims.sub, secretID: claims.client_secret_id,
                issuedAt: claims.iat.map { Date(timeIntervalSince1970: TimeInterval($0)) })
        {
            throw AccessTokenError(description: "The access token has been revoked.")
        }
        if configuration.introspection != nil, try await !isActive(token) {
            throw AccessTokenError(description: "The access token has been revoked.")
        }
        return VerifiedAccessToken(
            subject: claims.sub, clientID: claims.client_id, tenantID: claims.tid,
            scopes: Set((claims.scp ?? "").split(separator: " ").map(String.init)), roles: claims.roles.map(Set.init),
            expiresAt: Date(timeIntervalSince1970: TimeInterval(claims.exp))
        )
    }

    /// The cached keys, fetched first when there are none or they are older than their lifetime.
    private func currentKeys() async throws(AccessTokenError) -> Keys {
        if let cached = state.withLock({ $0.keySet }), Date().timeIntervalSince(cached.fetchedAt) < configuration.keySetLifetime {
            return cached.keys
        }
        guard let fetched = try await fetchKeys(unknownKey: false) else {
            throw AccessTokenError(description: "The issuer's JWK Set could not be fetched.")
        }
        return fetched
    }

    /// Fetches the JWK Set, one fetch at a time (callers arriving meanwhile share it); `nil`
    /// when `unknownKey` and the last such fetch was less than the interval ago.
    private func fetchKeys(unknownKey: Bool) async throws(AccessTokenError) -> Keys? {
        let task: Task<KeySet, any Error>? = state.withLock { state in
            if let running = state.fetch { return running }
            if unknownKey {
                if let last = state.lastUnknownKeyFetch, last.duration(to: .now) < .milliseconds(Int(configuration.unknownKeyRefetchInterval * 1000)) {
                    return nil
                }
                state.lastUnknownKeyFetch = .now
            }
            state.fetches += 1
            let task = Task { () throws -> KeySet in
                defer { self.state.withLock { $0.fetch = nil } }
                let set = try await self.download()
                self.state.withLock { $0.keySet = set }
                return set
            }
            state.fetch = task
            return task
        }
        guard let task else { return nil }
        do {
            return try await task.value.keys
        } catch {
            throw AccessTokenError(description: "The issuer's JWK Set could not be fetched.")
        }
    }

    private func download() async throws -> KeySet {
        let (data, response) = try await session.cancellableData(for: URLRequest(url: configuration.jwksURL))
        guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw AccessTokenError(description: "The issuer's JWK Set could not be fetched.") }
        let collection = try await JWTKeyCollection().add(jwksJSON: String(decoding: data, as: UTF8.self))
        var keys: Keys = [:]
        let listed = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["keys"] as? [[String: Any]] ?? []
        for key in listed {
            // A key without `alg` is taken at its type's usual one (Latchkey's keys always say).
            guard let kid = key["kid"] as? String else { continue }
            let alg = key["alg"] as? String ?? (key["kty"] as? String == "EC" ? "ES256" : "RS256")
            keys[kid] = (alg, try await collection.getKey(for: JWKIdentifier(string: kid)))
        }
        return KeySet(keys: keys, fetchedAt: Date())
    }

    /// A JWS compact serialization's parts, when well formed: three base64url segments, a JSON
    /// header with `typ` `at+jwt` (RFC 9068 §2.1), a `kid` and an `alg`.
    struct JWS {
        let kid: String
        let alg: String
        let payload: Data
        let signature: Data
        let signingInput: [UInt8]
    }

    static func parse(_ token: String) -> JWS? {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Data(base64URL: Substring(parts[0])), let payload = Data(base64URL: Substring(parts[1])), let signature = Data(base64URL: Substring(parts[2])),
            let object = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any], let kid = object["kid"] as? String,
            let alg = object["alg"] as? String, (object["typ"] as? String)?.lowercased() == "at+jwt"
        else { return nil }
        return JWS(kid: kid, alg: alg, payload: payload, signature: signature, signingInput: Array(token.utf8.prefix(parts[0].count + 1 + parts[1].count)))
    }

    /// RFC 7662 §2.2: `active` is the only member that matters here.
    private func isActive(_ token: String) async throws(AccessTokenError) -> Bool {
        guard let introspection = configuration.introspection else { return true }
        var request = URLRequest(url: introspection.url)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        let credentials = Data("\(introspection.clientID):\(introspection.clientSecret)".utf8).base64EncodedString()
        request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        request.httpBody = Data(("token=" + (token.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")).utf8)
        do {
            let (data, _) = try await session.cancellableData(for: request)
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            return object?["active"] as? Bool == true
        } catch {
            throw AccessTokenError(description: "The issuer could not be asked whether the token is active.")
        }
    }
}
