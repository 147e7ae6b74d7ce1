import Foundation
import HTTPTypes
import JWTKit
@testable import LatchkeyOAuth
@testable import LatchkeyServer
import Testing

@Suite("Signing keys: ES256 and RS256, rotation")
struct SigningKeyTests {
    /// `latchkey keys rotate`: the new keys sign, the old ones stay published for two hours, then go.
    @Test func rotationKeepsOldKeysPublishedUntilTheirTokensExpire() async throws {
        try await Harness().run { api, clock in
            let keys = api.latchkey.signingKeys
            let before = try await keys.load()
            #expect(Set(before.map(\.algorithm)) == [.es256, .rs256])
            clock.advance(by: 1)
            let rotated = try await api.latchkey.rotateSigningKeys()
            #expect(rotated.count == 2)
            let after = try await keys.load()
            let newest = try #require(after.first { $0.algorithm == .es256 })
            #expect(after.count == before.count + 2 && !before.contains { $0.kid == newest.kid })
            let signer = try await TokenSigner(keys: after)
            #expect(signer.kid(.es256) == newest.kid)
            clock.advance(by: SigningKeys.retention + 1)
            let later = try await keys.load()
            #expect(later.count == 2 && Set(later.map(\.kid)).isSubset(of: Set(after.map(\.kid))) && !later.contains { key in before.contains { $0.kid == key.kid } })
        }
    }

    /// OpenID Connect Registration `id_token_signed_response_alg`: a client that only does RSA.
    @Test func aClientMayAskForRS256IDTokens() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp(clientFields: ["idTokenSignedResponseAlg": "RS256", "pkceOptional": true])
            let shown = try await api.send(.get, "/api/v1/clients/\(app.clientID)", token: app.sellerToken)
            #expect(shown.string("idTokenSignedResponseAlg") == "RS256")
            let bad = try await api.send(.patch, "/api/v1/clients/\(app.clientID)", token: app.sellerToken, json: ["idTokenSignedResponseAlg": "HS256"])
            #expect(bad.status == .unprocessableContent && bad.issueFields == ["idTokenSignedResponseAlg"])

            let browser = BrowserSession(api: api)
            let returnTo = queryItems("https://x" + (try await browser.get(app.authorizeURL(pkce: nil)).headers[.location] ?? ""))["return"] ?? ""
            let signedIn = try await browser.signIn(email: app.userEmail, password: app.password, returnTo: returnTo)
            let consent = try await browser.get(try #require(signedIn.headers[.location]))
            let back = try await browser.post("/oauth2/authorize", BrowserSession.hiddenFields(in: consent.body, action: "/oauth2/authorize") + [("decision", "allow")])
            let code = try #require(queryItems(back.headers[.location])["code"])
            let tokens = try await api.tokenRequest(app, [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", app.redirectURI)])
            let idToken = try #require(tokens.string("id_token"))
            let header = try #require(Data(base64URL: idToken.split(separator: ".")[0]))
            #expect(String(decoding: header, as: UTF8.self).contains("\"alg\":\"RS256\""))
            let keys = try await JWTKeyCollection().add(jwksJSON: try await api.send(.get, "/.well-known/jwks.json").body)
            #expect(try await keys.verify(idToken, as: IDTokenClaims.self).aud == app.clientID)
            // Access tokens stay ES256.
            let access = try #require(tokens.string("access_token"))
            #expect(String(decoding: try #require(Data(base64URL: access.split(separator: ".")[0])), as: UTF8.self).contains("\"alg\":\"ES256\""))
        }
    }
}
