import Foundation
import HTTPTypes
import JWTKit
import LatchkeyOAuth
import Testing

@Suite("OpenID Connect: max_age, and discovery as things are now")
struct OpenIDTests {
    @Test func aSignInOlderThanMaxAgeIsDoneAgain() async throws {
        try await Harness().run { api, clock in
            let app = try await api.delegatedApp()
            let browser = BrowserSession(api: api)
            _ = try await browser.signIn(email: app.userEmail, password: app.password)
            let pkce = PKCE()
            var first = try await browser.get(app.authorizeURL(scope: "openid", pkce: pkce))
            first = try await browser.post("/oauth2/authorize", BrowserSession.hiddenFields(in: first.body, action: "/oauth2/authorize") + [("decision", "allow")])
            #expect(queryItems(first.headers[.location])["code"] != nil)

            clock.advance(by: 120)
            let recent = try await browser.get(app.authorizeURL(scope: "openid", extra: [("max_age", "600")]))
            #expect(recent.status == .found && queryItems(recent.headers[.location])["code"] != nil, "signed in 120 s ago, within 600")
            let silent = try await browser.get(app.authorizeURL(scope: "openid", extra: [("max_age", "60"), ("prompt", "none")]))
            #expect(queryItems(silent.headers[.location])["error"] == "login_required")
            let bad = try await browser.get(app.authorizeURL(scope: "openid", extra: [("max_age", "-1")]))
            #expect(queryItems(bad.headers[.location])["error"] == "invalid_request")

            let old = try await browser.get(app.authorizeURL(scope: "openid", pkce: pkce, extra: [("max_age", "60")]))
            #expect(old.status == .seeOther && old.headers[.location]?.hasPrefix("/signin?return=") == true, "\(old.status)")
            let returnTo = try #require(queryItems("https://x" + (old.headers[.location] ?? ""))["return"])
            let signedIn = try await browser.signIn(email: app.userEmail, password: app.password, returnTo: returnTo)
            let back = try await browser.get(try #require(signedIn.headers[.location]))
            let code = try #require(queryItems(back.headers[.location])["code"], "\(back.status)")
            let tokens = try await api.tokenRequest(app, [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", app.redirectURI), ("code_verifier", pkce.verifier)])
            let keys = try await JWTKeyCollection().add(jwksJSON: try await api.send(.get, "/.well-known/jwks.json").body)
            let idToken = try await keys.verify(try #require(tokens.string("id_token")), as: IDTokenClaims.self)
            #expect(abs(Double(idToken.authTime) - clock.now.timeIntervalSince1970) <= 1, "auth_time is the new sign-in")
        }
    }

    @Test func scopesSupportedListsThePermissionsAsTheyAreNowOnEveryNode() async throws {
        try await Harness().runTwoNodes { a, b, _ in
            let operatorToken = try await a.operatorToken()
            let name = "Trips.Read\(UUID().uuidString.prefix(6))"
            for node in [a, b] {
                let scopes = try await node.send(.get, "/.well-known/openid-configuration")["scopes_supported"] as? [String] ?? []
                #expect(!scopes.contains(name) && scopes.contains("openid") && scopes.contains("Consents.ReadWrite"))
            }
            try await a.definePermission(name, operatorToken: operatorToken)
            try await a.definePermission("\(name).All", operatorToken: operatorToken, appOnly: true)
            for node in [a, b] {
                for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"] {
                    let scopes = try await node.send(.get, path)["scopes_supported"] as? [String] ?? []
                    #expect(scopes.contains(name) && !scopes.contains("\(name).All"), "\(path): app-only permissions are not scopes")
                }
            }
        }
    }
}
