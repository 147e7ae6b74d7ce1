import Crypto
import Foundation
import LatchkeyWire
import JWTKit
import LatchkeyCore
@testable import LatchkeyOAuth
import Synchronization
import Testing

@Suite("Access tokens (RFC 9068) and the JWK Set")
struct TokenSignerTests {
    let claims = AccessTokenClaims(iss: "https://login.example", sub: "c", aud: "a", exp: 2_000_000_000, iat: 1_999_996_400, jti: "j", clientID: "c")

    @Test func signsES256WithTypeAndKeyIDAndVerifies() async throws {
        let signer = try await TokenSigner(keys: [.generate(.es256)])
        let token = try signer.sign(claims)
        let header = try JSONSerialization.jsonObject(with: base64URL(token.split(separator: ".")[0])) as? [String: String]
        #expect(header == ["alg": "ES256", "typ": "at+jwt", "kid": try #require(signer.kid())])
        #expect(try await signer.verify(token) == claims)
    }

    @Test func theJWKSetVerifiesTokensIndependently() async throws {
        let signer = try await TokenSigner(keys: [.generate(.es256), .generate(.rs256)])
        let token = try signer.sign(claims)
        let json = String(decoding: try JSONEncoder().encode(signer.jwks), as: UTF8.self)
        let verifier = try await JWTKeyCollection().add(jwksJSON: json)
        let verified = try await verifier.verify(token, as: AccessTokenClaims.self)
        #expect(verified.sub == "c")
        #expect(json.contains("\"kid\":\"\(try #require(signer.kid()))\""))
        #expect(!json.contains("\"d\":"), "no private part is published")
    }

    /// OpenID Connect Core §3.1.3.7: a client that only does RSA gets RS256 ID tokens, verifiable with the JWK Set.
    @Test func idTokensInTheClientsAlgorithm() async throws {
        let signer = try await TokenSigner(keys: [.generate(.es256), .generate(.rs256)])
        let idClaims = IDTokenClaims(iss: "https://login.example", sub: "u", aud: "c", exp: 2_000_000_000, iat: 1_999_996_400, authTime: 1_999_996_000, nonce: "n", tid: "t", email: nil, name: nil)
        let rsa = try signer.sign(idClaims, algorithm: .rs256)
        let header = try JSONSerialization.jsonObject(with: base64URL(rsa.split(separator: ".")[0])) as? [String: String]
        #expect(header?["alg"] == "RS256" && header?["typ"] == "JWT" && header?["kid"] == signer.kid(.rs256))
        let verifier = try await JWTKeyCollection().add(jwksJSON: String(decoding: try JSONEncoder().encode(signer.jwks), as: UTF8.self))
        #expect(try await verifier.verify(rsa, as: IDTokenClaims.self) == idClaims)
        // An ID token is no access token.
        await #expect(throws: (any Error).self) { try await signer.verify(try signer.sign(idClaims)) }
    }

    @Test func rejectsTokensOfAnotherKey() async throws {
        let signer = try await TokenSigner(keys: [.generate(.es256)])
        let other = try await TokenSigner(keys: [.generate(.es256)])
        let token = try other.sign(claims)
        await #expect(throws: (any Error).self) { try await signer.verify(token) }
        #expect(signer.kid() != other.kid() && signer.kid()?.count == 43)
    }

    /// Verified signatures are remembered by the token's digest until the keys change: the same
    /// token verifies again at once, another key set refuses it, an altered copy never passes.
    @Test func remembersVerifiedTokensOnlyUnderTheKeysThatVerifiedThem() async throws {
        let key = try SigningKeyMaterial.generate(.es256)
        let signer = try await TokenSigner(keys: [key])
        let token = try signer.sign(claims)
        #expect(try await signer.verify(token) == claims)
        #expect(try await signer.verify(token) == claims)
        var altered = Array(token.utf8)
        altered[altered.count - 2] = altered[altered.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        await #expect(throws: (any Error).self) { try await signer.verify(String(decoding: altered, as: UTF8.self)) }
        // The key that signed it is no longer published: the remembered verification goes with it.
        try await signer.replace(keys: [try .generate(.es256)])
        await #expect(throws: (any Error).self) { try await signer.verify(token) }
        try await signer.replace(keys: [key])
        #expect(try await signer.verify(token) == claims)
    }

    @Test func rejectsAlteredPayloadsHeadersAndSignatures() async throws {
        let signer = try await TokenSigner(keys: [.generate(.es256), .generate(.rs256)])
        let parts = try signer.sign(claims).split(separator: ".").map(String.init)
        func encoded(_ json: [String: Any]) throws -> String {
            try JSONSerialization.data(withJSONObject: json).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let headerBytes = try #require(Data(base64URL: parts[0]))
        let header = try #require(try JSONSerialization.jsonObject(with: headerBytes) as? [String: Any])
        var otherPayload = claims
        otherPayload.sub = "someone-else"
        let otherClaims = try #require(try JSONSerialization.jsonObject(with: Data(otherPayload.jsonText.utf8)) as? [String: Any])
        let forgedPayload = parts[0] + "." + (try encoded(otherClaims)) + "." + parts[2]
        var noneHeader = header
        noneHeader["alg"] = "none"
        var rsaKidHeader = header
        rsaKidHeader["kid"] = try #require(signer.kid(.rs256))
        var signature = try #require(Data(base64URL: parts[2]))
        signature[0] ^= 1
        for forged in [
            forgedPayload,
            try encoded(noneHeader) + "." + parts[1] + "." + parts[2],
            try encoded(noneHeader) + "." + parts[1] + ".",
            try encoded(rsaKidHeader) + "." + parts[1] + "." + parts[2],
            parts[0] + "." + parts[1] + "." + Array(signature).base64URLEncoded(),
            parts[0] + "." + parts[1],
        ] {
            await #expect(throws: (any Error).self) { try await signer.verify(forged) }
        }
        #expect(try await signer.verify(parts.joined(separator: ".")) == claims)
    }

    /// After a rotation the newest key signs; a token of the older key verifies while it is published.
    @Test func replacingKeysKeepsOlderOnesVerifying() async throws {
        let old = try SigningKeyMaterial.generate(.es256)
        let signer = try await TokenSigner(keys: [old])
        let before = try signer.sign(claims)
        let new = try SigningKeyMaterial.generate(.es256)
        try await signer.replace(keys: [new, old])
        let after = try signer.sign(claims)
        #expect(signer.kid() == new.kid && after.split(separator: ".")[0] != before.split(separator: ".")[0])
        #expect(try await signer.verify(before) == claims)
        try await signer.replace(keys: [new])
        await #expect(throws: (any Error).self) { try await signer.verify(before) }
        #expect(try await signer.verify(after) == claims)
        // Stored and restored, a key keeps its id.
        #expect(try SigningKeyMaterial.restore(algorithm: .rs256, privateBytes: try SigningKeyMaterial.generate(.rs256).privateBytes).kid.count == 43)
        #expect(try SigningKeyMaterial.restore(algorithm: .es256, privateBytes: new.privateBytes).kid == new.kid)
    }

    func base64URL(_ text: Substring) -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64) ?? Data()
    }
}

/// A client store that counts loads and can be changed under the cache.
final class CountingStore: ClientStore {
    let state: Mutex<(client: OAuthClient?, loads: Int)>

    init(_ client: OAuthClient?) {
        state = Mutex((client, 0))
    }

    var loads: Int { state.withLock { $0.loads } }
    func set(_ client: OAuthClient?) { state.withLock { $0.client = client } }

    func client(_ id: ClientID) async throws -> OAuthClient? {
        try await Task.sleep(for: .milliseconds(20))
        return state.withLock { state in
            state.loads += 1
            return state.client?.id == id ? state.client : nil
        }
    }

    func insert(_ client: OAuthClient, audit: AuditEntry) async throws {}
    func clients(ownedBy sellerID: String) async throws -> [OAuthClient] { [] }
    func modify<Result: Sendable>(_ id: ClientID, ownedBy sellerID: String, _ change: @Sendable (inout OAuthClient) throws -> (Result, Effects)) async throws -> Result {
        throw DomainError.notFound("client")
    }
    func delete(_ id: ClientID, ownedBy sellerID: String, effects: Effects) async throws -> Bool { false }
    func recordSecretUse(_ uses: [String: Date]) async throws {}
}

@Suite("Client cache")
struct ClientCacheTests {
    func client() throws -> OAuthClient {
        var client = OAuthClient(
            id: .generate(), sellerID: "s", friendlyName: "x", appDomain: try AppDomain(validating: "a.example"),
            redirectURL: RedirectURL(stored: "https://a.example/"), availability: .worldwide, secretValidity: .recommended,
            createdAt: Date(), secrets: [], designatedSigningSecretID: nil
        )
        let generated = GeneratedSecret.generate()
        try client.addSecret(
            ClientSecret(id: "s1", hint: generated.hint, digest: generated.digest, sealedValue: "", createdAt: Date(), startsAt: Date(), endsAt: Date() + 3600),
            cap: 5, at: Date()
        )
        return client
    }

    @Test func concurrentMissesShareOneLoadAndHitsLoadNothing() async throws {
        let client = try client()
        let store = CountingStore(client)
        let cache = ClientCache(store: store, lifetime: .fixed(.seconds(60)))
        try await withThrowingTaskGroup(of: RegisteredClient?.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.client(client.id) } }
            for try await found in group { #expect(found?.id == client.id) }
        }
        #expect(store.loads == 1)
        _ = try await cache.client(client.id)
        #expect(store.loads == 1)
    }

    @Test func invalidationReadsAfresh() async throws {
        let client = try client()
        let store = CountingStore(client)
        let cache = ClientCache(store: store, lifetime: .fixed(.seconds(60)))
        #expect(try await cache.client(client.id) != nil)
        store.set(nil)
        #expect(try await cache.client(client.id) != nil)
        cache.apply(.client(ClientID.generate()))
        #expect(try await cache.client(client.id) != nil, "another client's notice leaves this one cached")
        cache.apply(.client(client.id))
        #expect(try await cache.client(client.id) == nil)
        store.set(client)
        cache.apply(.everything)
        #expect(try await cache.client(client.id) != nil)
    }

    @Test func entriesLiveLongOnlyWhileNoticesArrive() async throws {
        let client = try client()
        let store = CountingStore(client)
        let following = Atomic(true)
        let lifetime = CacheLifetime(whileFollowing: .seconds(60), whileNotFollowing: .milliseconds(50)) { following.load(ordering: .relaxed) }
        let cache = ClientCache(store: store, lifetime: lifetime)
        _ = try await cache.client(client.id)
        store.set(nil)
        try await Task.sleep(for: .milliseconds(80))
        #expect(try await cache.client(client.id) != nil, "while notices arrive, an entry lives its long lifetime")
        following.store(false, ordering: .relaxed)
        #expect(try await cache.client(client.id) == nil, "without notices, an entry older than the short lifetime is read again")
        #expect(store.loads == 2)
    }

    @Test func entriesExpire() async throws {
        let client = try client()
        let store = CountingStore(client)
        let cache = ClientCache(store: store, lifetime: .fixed(.milliseconds(50)))
        _ = try await cache.client(client.id)
        store.set(nil)
        try await Task.sleep(for: .milliseconds(80))
        #expect(try await cache.client(client.id) == nil)
        #expect(store.loads == 2)
    }

    @Test func authenticatesOnlyActiveSecrets() throws {
        let generated = GeneratedSecret.generate()
        let now = Date()
        var client = try client()
        try client.addSecret(
            ClientSecret(id: "later", hint: "x", digest: generated.digest, sealedValue: "", createdAt: now, startsAt: now + 60, endsAt: now + 120),
            cap: 5, at: now
        )
        let registered = RegisteredClient(client)
        #expect(registered.authenticate([generated.value], at: now) == nil)
        #expect(registered.authenticate(["wrong", generated.value], at: now + 60) == "later")
        #expect(registered.authenticate([generated.value], at: now + 120) == nil)
    }
}

@Suite("base64url")
struct Base64URLTests {
    @Test func matchesFoundationWithoutPadding() {
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
            let expected = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(bytes.base64URLEncoded() == expected)
            // Contiguous or not (a reversed view has no buffer), as Data or a slice of it: one spelling.
            #expect(Array(bytes.reversed()).base64URLEncoded() == bytes.reversed().base64URLEncoded())
            #expect(Data(bytes).base64URLEncoded() == expected)
            #expect(Data([0] + bytes).dropFirst().base64URLEncoded() == expected)
        }
    }
}

@Suite("JSON of the token path")
struct JSONTextTests {
    @Test func escapesLikeJSONSerializationReads() throws {
        for text in ["plain", "quote\" and \\ backslash", "line\nbreak\ttab\u{01}", "https://login.example/tenant", "ünïcödé ✓"] {
            let json = JSONText.object(["s": .string(text), "n": .integer(-42)])
            let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            #expect(parsed?["s"] as? String == text)
            #expect(parsed?["n"] as? Int == -42)
        }
    }

    @Test func claimsRoundTripThroughJSONDecoder() throws {
        let claims = AccessTokenClaims(iss: "https://a.example/\"x\"", sub: "s", aud: "a", exp: 2, iat: 1, jti: "j", clientID: "c")
        #expect(try JSONDecoder().decode(AccessTokenClaims.self, from: Data(claims.jsonText.utf8)) == claims)
        let response = TokenResponse(accessToken: "a.b.c", tokenType: "Bearer", expiresIn: 3600)
        #expect(try JSONDecoder().decode(TokenResponse.self, from: Data(response.jsonText.utf8)) == response)
    }
}
