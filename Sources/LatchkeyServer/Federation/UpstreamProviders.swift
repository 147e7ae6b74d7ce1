import Foundation
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyWire
import NIOHTTP1
import Synchronization

/// What a tenant's provider says about itself (OpenID Connect Discovery 1.0 §3), the part
/// Latchkey uses.
struct ProviderMetadata: Decodable, Sendable {
    let issuer: String
    let authorizationEndpoint: String
    let tokenEndpoint: String
    let jwksURI: String
    let endSessionEndpoint: String?
    /// RFC 9207: the provider puts `iss` on its authorization responses.
    let issParameterSupported: Bool?

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case jwksURI = "jwks_uri"
        case endSessionEndpoint = "end_session_endpoint"
        case issParameterSupported = "authorization_response_iss_parameter_supported"
    }
}

/// A provider could not be read or did not answer as OpenID Connect says: the user gets a page
/// with `message`, the tenant's log the same words.
struct ProviderUnreachable: Error, Sendable {
    let message: String
}

/// Latchkey as the relying party of tenants' providers: their discovery documents and JWK Sets,
/// read through the outbound address rules and cached per node, the code exchange, and the ID
/// token's verification. A JWK Set is read again when a token names a key it does not hold, at
/// most once a minute per provider (as the resource kit does), and after an hour in any case.
final class UpstreamProviders: ProviderCheck, Sendable {
    let outbound: OutboundPolicy
    let http: PinnedHTTPClient
    let clock: Clock

    static let cacheLifetime: TimeInterval = 3600
    static let unknownKeyInterval: TimeInterval = 60
    /// Discovery documents and key sets are small; anything larger is refused unread.
    static let bodyLimit = 512 * 1024

    private struct Cached<Value: Sendable>: Sendable {
        let value: Value
        let fetchedAt: Date
    }

    private struct State: Sendable {
        var metadata: [String: Cached<ProviderMetadata>] = [:]
        var keys: [String: Cached<UpstreamKeys>] = [:]
        var lastUnknownKeyFetch: [String: Date] = [:]
    }

    private let state = Mutex(State())

    init(outbound: OutboundPolicy, clock: @escaping Clock) throws {
        self.outbound = outbound
        self.http = try PinnedHTTPClient(timeout: .seconds(10))
        self.clock = clock
    }

    // MARK: HTTP

    private func send(_ method: HTTPMethod, _ text: String, headers: [(String, String)] = [], body: Data? = nil) async throws(ProviderUnreachable) -> PinnedHTTPClient.Answer {
        guard let url = URL(string: text), let host = url.host?.lowercased() else {
            throw ProviderUnreachable(message: "\(text) is not a URL Latchkey can read.")
        }
        let addresses: [IPAddress]
        do {
            addresses = try await outbound.addresses(of: host)
        } catch {
            throw ProviderUnreachable(message: "Latchkey does not connect to \(error.reason).")
        }
        // Each address in turn while one refuses the connection (localhost is ::1 and 127.0.0.1).
        var refusal: any Error = PinnedHTTPClient.Failure.closedBeforeAnswer
        for address in addresses {
            do {
                return try await http.send(method, url, to: address, headers: headers, body: body, bodyLimit: Self.bodyLimit)
            } catch PinnedHTTPClient.Failure.timedOut {
                throw ProviderUnreachable(message: "\(host) did not answer within 10 seconds.")
            } catch PinnedHTTPClient.Failure.tooLarge {
                throw ProviderUnreachable(message: "\(text) answered with more than \(Self.bodyLimit / 1024) KiB.")
            } catch {
                refusal = error
            }
        }
        throw ProviderUnreachable(message: "\(host) cannot be reached: \(refusal).")
    }

    private func getJSON(_ text: String) async throws(ProviderUnreachable) -> Data {
        let answer = try await send(.GET, text, headers: [("Accept", "application/json")])
        guard answer.status == 200 else { throw ProviderUnreachable(message: "\(text) answered \(answer.status), not 200.") }
        return answer.body
    }

    // MARK: Discovery

    static func discoveryURL(of issuer: String) -> String {
        (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
    }

    /// Reads the discovery document, which must name `issuer` itself (Discovery §4.3).
    private func discover(_ issuer: String) async throws(ProviderUnreachable) -> ProviderMetadata {
        let url = Self.discoveryURL(of: issuer)
        let data = try await getJSON(url)
        guard let metadata = try? JSONDecoder().decode(ProviderMetadata.self, from: data) else {
            throw ProviderUnreachable(message: "\(url) is not an OpenID Connect discovery document (it needs issuer, authorization_endpoint, token_endpoint and jwks_uri).")
        }
        guard metadata.issuer == issuer else {
            throw ProviderUnreachable(message: "\(url) names the issuer \(metadata.issuer), not \(issuer); enter the issuer exactly as the provider writes it.")
        }
        return metadata
    }

    func check(issuer: String) async throws(FieldIssue) {
        do {
            let metadata = try await discover(issuer)
            state.withLock { $0.metadata[issuer] = Cached(value: metadata, fetchedAt: Date()) }
        } catch {
            throw FieldIssue(field: "issuer", code: "discovery_failed", message: error.message)
        }
    }

    func metadata(_ issuer: String) async throws(ProviderUnreachable) -> ProviderMetadata {
        if let cached = state.withLock({ $0.metadata[issuer] }), Date().timeIntervalSince(cached.fetchedAt) < Self.cacheLifetime {
            return cached.value
        }
        let metadata = try await discover(issuer)
        state.withLock { $0.metadata[issuer] = Cached(value: metadata, fetchedAt: Date()) }
        return metadata
    }

    // MARK: Keys

    private func fetchKeys(_ issuer: String, from metadata: ProviderMetadata) async throws(ProviderUnreachable) -> UpstreamKeys {
        let data = try await getJSON(metadata.jwksURI)
        let keys: UpstreamKeys
        do {
            keys = try await UpstreamKeys(jwksJSON: data)
        } catch {
            throw ProviderUnreachable(message: "\(metadata.jwksURI) is not a JWK Set Latchkey can read.")
        }
        state.withLock { $0.keys[issuer] = Cached(value: keys, fetchedAt: Date()) }
        return keys
    }

    /// The keys to verify `token` with: the cached set, or a fresh one when it is old or lacks
    /// the token's key (no more than once a minute for that reason).
    func keys(for token: String, issuer: String, metadata: ProviderMetadata) async throws(ProviderUnreachable) -> UpstreamKeys {
        let now = Date()
        guard let cached = state.withLock({ $0.keys[issuer] }), now.timeIntervalSince(cached.fetchedAt) < Self.cacheLifetime else {
            return try await fetchKeys(issuer, from: metadata)
        }
        guard let kid = UpstreamKeys.keyID(of: token), !cached.value.keyIDs.contains(kid) else { return cached.value }
        let mayFetch = state.withLock { state -> Bool in
            if let last = state.lastUnknownKeyFetch[issuer], now.timeIntervalSince(last) < Self.unknownKeyInterval { return false }
            state.lastUnknownKeyFetch[issuer] = now
            return true
        }
        return mayFetch ? try await fetchKeys(issuer, from: metadata) : cached.value
    }

    // MARK: The code

    /// Redeems the code at the provider's token endpoint (client_secret_basic, PKCE) for its ID
    /// token, and verifies it.
    func redeem(
        code: String, verifier: String, redirectURI: String, nonce: String, provider: IdentityProvider, secret: String
    ) async throws -> UpstreamIdentity {
        let metadata = try await metadata(provider.issuer)
        // RFC 6749 §2.3.1: each part form-encoded before Basic's base64.
        let basic = Data("\(FormParameters.formEncode(provider.clientID)):\(FormParameters.formEncode(secret))".utf8).base64EncodedString()
        let body = FormParameters.encode([
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier),
        ])
        let answer = try await send(
            .POST, metadata.tokenEndpoint,
            headers: [("Authorization", "Basic \(basic)"), ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Data(body.utf8)
        )
        if answer.status >= 500 { throw ProviderUnreachable(message: "\(metadata.tokenEndpoint) answered \(answer.status).") }
        let object = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any]
        guard answer.status == 200 else {
            let error = object?["error"] as? String ?? "status \(answer.status)"
            throw UpstreamTokenRefusal("the provider's token endpoint refused the code (\(error))")
        }
        guard let idToken = object?["id_token"] as? String else { throw UpstreamTokenRefusal("the provider's token response has no id_token") }
        let keys = try await keys(for: idToken, issuer: provider.issuer, metadata: metadata)
        let claims = try await keys.verify(idToken)
        let rules = UpstreamIDTokenRules(issuer: provider.issuer, clientID: provider.clientID, nonce: nonce, now: clock(), mapping: provider.claims)
        return try rules.identity(from: claims)
    }
}
