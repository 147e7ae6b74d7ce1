import Foundation
import JWTKit
import LatchkeyHTTP
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

/// Validates Latchkey's JWT access tokens for a platform API: the signature against the issuer's
/// JWK Set (fetched, cached, fetched again when an unknown key appears), the issuer, the
/// audience and the lifetime; optionally asks Latchkey's introspection endpoint too, so that a
/// revoked consent stops a token at once rather than when it expires.
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

        public init(
            issuer: String, audience: String = "00000003-0000-0ff1-ce00-000000000000",
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

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// The issuer's keys by `kid`, each with its algorithm's name, taken out of JWTKit's key
    /// collection when fetched: verifying through the collection (an actor) would run every
    /// request's check on one executor, one at a time.
    private struct KeySet {
        var keys: [String: (alg: String, algorithm: any JWTAlgorithm)]
        var fetchedAt: Date
    }

    public let configuration: Configuration
    private let keySet = Mutex<KeySet?>(nil)
    private let session: URLSession

    public init(configuration: Configuration, session: URLSession = .shared) {
        self.configuration = configuration
        self.session = session
    }

    /// The token's claims, or an error saying why it is refused.
    public func verify(_ token: String, now: Date = Date()) async throws(AccessTokenError) -> VerifiedAccessToken {
        let claims: Claims
        do {
            claims = try await Self.verifySignature(token, keys: try await keys(refresh: false))
        } catch {
            // A key rotated since the last fetch: fetch once more, then give up.
            do {
                claims = try await Self.verifySignature(token, keys: try await keys(refresh: true))
            } catch {
                throw AccessTokenError(description: "The access token's signature does not verify with the issuer's keys.")
            }
        }
        guard claims.iss == configuration.issuer else { throw AccessTokenError(description: "The access token comes from another issuer.") }
        guard claims.aud == configuration.audience || configuration.additionalAudiences.contains(claims.aud) else {
            throw AccessTokenError(description: "The access token is for another audience.")
        }
        guard Double(claims.exp) + configuration.leeway > now.timeIntervalSince1970 else {
            throw AccessTokenError(description: "The access token has expired.")
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

    private func keys(refresh: Bool) async throws -> [String: (alg: String, algorithm: any JWTAlgorithm)] {
        if !refresh, let cached = keySet.withLock({ $0 }), Date().timeIntervalSince(cached.fetchedAt) < configuration.keySetLifetime {
            return cached.keys
        }
        let (data, response) = try await session.cancellableData(for: URLRequest(url: configuration.jwksURL))
        guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw AccessTokenError(description: "The issuer's JWK Set could not be fetched.") }
        let collection = try await JWTKeyCollection().add(jwksJSON: String(decoding: data, as: UTF8.self))
        var keys: [String: (alg: String, algorithm: any JWTAlgorithm)] = [:]
        let listed = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["keys"] as? [[String: Any]] ?? []
        for key in listed {
            // A key without `alg` is taken at its type's usual one (Latchkey's keys always say).
            guard let kid = key["kid"] as? String else { continue }
            let alg = key["alg"] as? String ?? (key["kty"] as? String == "EC" ? "ES256" : "RS256")
            keys[kid] = (alg, try await collection.getKey(for: JWKIdentifier(string: kid)))
        }
        keySet.withLock { $0 = KeySet(keys: keys, fetchedAt: Date()) }
        return keys
    }

    /// JWS compact serialization: the key the header's `kid` names, with its own algorithm only.
    private static func verifySignature(_ token: String, keys: [String: (alg: String, algorithm: any JWTAlgorithm)]) async throws -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Self.base64URL(parts[0]), let payload = Self.base64URL(parts[1]), let signature = Self.base64URL(parts[2]),
            let object = try JSONSerialization.jsonObject(with: header) as? [String: Any], let kid = object["kid"] as? String,
            let key = keys[kid], object["alg"] as? String == key.alg
        else { throw AccessTokenError(description: "The access token is not signed by a key of the issuer.") }
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard try key.algorithm.verify(signature, signs: signingInput) else { throw AccessTokenError(description: "The signature does not verify.") }
        return try JSONDecoder().decode(Claims.self, from: payload)
    }

    private static func base64URL(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
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
