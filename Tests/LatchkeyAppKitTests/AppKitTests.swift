import Crypto
import Foundation
import LatchkeyAppKit
import LatchkeyWire
import Testing

/// The app kit on its own: context tokens and events made here the way the server makes them
/// (the wire module's claims and envelope, HS256 and the signature header), then checked as an
/// app checks them.
@Suite("The app kit checks context tokens and events as an app must")
struct AppKitTests {
    static let realm = "6f2a9c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
    static let clientID = "9c2b1a3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
    static let secret = Data((0..<32).map { UInt8($0) }).base64EncodedString()
    static let otherSecret = Data((0..<32).map { UInt8(255 - $0) }).base64EncodedString()
    static let now = 1_800_000_000

    static func contextToken(secret: String = secret, audience: String? = nil, issuer: String? = nil, notBefore: Int = now - 10, expiresAt: Int = now + 3600) -> String {
        let claims = ContextTokenClaims(
            audience: audience ?? ACSPrincipal.name(clientID, host: "app.contoso.com", realm: realm),
            issuer: issuer ?? ACSPrincipal.name(ACSPrincipal.tokenService, realm: realm), notBefore: notBefore, expiresAt: expiresAt,
            sender: ACSPrincipal.name(ACSPrincipal.platform, realm: realm), cacheKey: "cache-key", securityTokenServiceURI: "https://login.example/tokens/OAuth/2",
            refreshToken: "refresh-token"
        )
        let input = Array(#"{"typ":"JWT","alg":"HS256"}"#.utf8).base64URLEncoded() + "." + Array(claims.json.utf8).base64URLEncoded()
        let code = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(base64Encoded: secret)!))
        return input + "." + Array(code).base64URLEncoded()
    }

    func validator(_ secrets: [String] = [secret, otherSecret]) async throws -> ContextTokenValidator {
        try await ContextTokenValidator(clientID: Self.clientID.uppercased(), secrets: secrets, now: { Date(timeIntervalSince1970: TimeInterval(Self.now)) })
    }

    @Test func aContextTokenFromTheServerIsRead() async throws {
        let token = try await validator().validate(Self.contextToken(), host: "App.Contoso.com")
        #expect(token.realm == Self.realm && token.cacheKey == "cache-key" && token.refreshToken == "refresh-token" && token.secretIndex == 0)
        #expect(token.securityTokenServiceURI.absoluteString == "https://login.example/tokens/OAuth/2")
        // Signed with the secondary secret while secrets rotate: still read, and it says which.
        #expect(try await validator().validate(Self.contextToken(secret: Self.otherSecret), host: "app.contoso.com").secretIndex == 1)
    }

    @Test func aContextTokenIsRefusedForWhatIsWrongWithIt() async throws {
        let validator = try await validator([Self.secret])
        let cases: [(String, String, ContextTokenError)] = [
            ("another secret", Self.contextToken(secret: Self.otherSecret), .badSignature(secretsTried: 1)),
            ("another host", Self.contextToken(), .wrongAudience(
                expected: ACSPrincipal.name(Self.clientID, host: "evil.example", realm: Self.realm), found: ACSPrincipal.name(Self.clientID, host: "app.contoso.com", realm: Self.realm)
            )),
            ("expired", Self.contextToken(notBefore: Self.now - 7200, expiresAt: Self.now - 600), .expired(at: Date(timeIntervalSince1970: TimeInterval(Self.now - 600)))),
            ("not yet valid", Self.contextToken(notBefore: Self.now + 600), .notYetValid(until: Date(timeIntervalSince1970: TimeInterval(Self.now + 600)))),
            ("another issuer", Self.contextToken(issuer: "someone@\(Self.realm)"), .wrongIssuer("iss is someone@\(Self.realm)")),
        ]
        for (name, token, expected) in cases {
            await #expect(throws: expected, "\(name)") { try await validator.validate(token, host: name == "another host" ? "evil.example" : "app.contoso.com") }
        }
        let token = Self.contextToken()
        let tampered = token.dropLast(2) + (token.hasSuffix("AA") ? "BA" : "AA")
        await #expect(throws: ContextTokenError.badSignature(secretsTried: 1)) { try await validator.validate(String(tampered), host: "app.contoso.com") }
        await #expect(throws: ContextTokenError.malformed("expected three base64url parts")) { try await validator.validate("a.b", host: "app.contoso.com") }
    }

    @Test func eventsAreReadOnlyWithAFreshSignatureOfAConfiguredSecret() throws {
        let body = EventEnvelope(
            id: "e1", type: "app.installed", created: Self.now, data: AppEventDetails(appId: "a1", clientId: Self.clientID, tenantId: Self.realm, userId: nil, permissions: [])
        ).json
        let key = Array(Data(base64Encoded: Self.secret)!)
        let verifier = try EventVerifier(secrets: [Self.otherSecret, Self.secret], now: { Date(timeIntervalSince1970: TimeInterval(Self.now + 30)) })
        let event = try verifier.verify(body: Data(body.utf8), signature: EventSignature.sign(body: body, key: key, timestamp: Self.now))
        #expect(event.type == "app.installed" && event.data.appId == "a1" && event.data.tenantId == Self.realm && event.data.userId == nil)

        #expect(throws: EventSignatureError.missingSignature) { try verifier.verify(body: Data(body.utf8), signature: nil) }
        #expect(throws: EventSignatureError.badSignature(secretsTried: 2)) {
            try verifier.verify(body: Data(body.replacingOccurrences(of: "a1", with: "a2").utf8), signature: EventSignature.sign(body: body, key: key, timestamp: Self.now))
        }
        #expect(throws: EventSignatureError.staleTimestamp(Self.now - 600)) {
            try verifier.verify(body: Data(body.utf8), signature: EventSignature.sign(body: body, key: key, timestamp: Self.now - 600))
        }
    }
}
