import Foundation
import HTTPTypes
import Testing

/// OpenID Connect RP-Initiated Logout 1.0: an app signs its user out of the platform.
@Suite("Sign-out at an app's request (RP-Initiated Logout)")
struct SignOutTests {
    static let bye = "https://app.contoso.com/bye"

    /// The app registers where users go after signing out; a user signs in and gets an ID token.
    func signedIn(_ api: API) async throws -> (app: DelegatedApp, browser: BrowserSession, idToken: String) {
        let app = try await api.delegatedApp()
        let set = try await api.send(.patch, "/api/v1/clients/\(app.clientID)", token: app.sellerToken, json: ["postLogoutRedirectUris": [Self.bye]])
        #expect(set.status == .ok && (set.json["postLogoutRedirectUris"] as? [String]) == [Self.bye], "\(set.body)")
        let browser = BrowserSession(api: api)
        _ = try await browser.signIn(email: app.userEmail, password: app.password)
        let tokens = try await api.consentAndRedeem(app, browser: browser, scope: "openid")
        return (app, browser, try #require(tokens.string("id_token")))
    }

    func logoutURL(_ pairs: [(String, String)]) -> String {
        "/oauth2/logout?" + pairs.map { "\($0.0)=\(BrowserSession.encode($0.1))" }.joined(separator: "&")
    }

    func isSignedIn(_ browser: BrowserSession) async throws -> Bool {
        try await browser.get("/account").status == .ok
    }

    @Test func withTheUsersOwnHintTheSignOutIsAtOnceAndGoesBackWithTheState() async throws {
        try await Harness().run { api, _ in
            let discovery = try await api.send(.get, "/.well-known/openid-configuration")
            #expect(discovery.string("end_session_endpoint") == "https://login.example.test/oauth2/logout")

            let (_, browser, idToken) = try await signedIn(api)
            #expect(try await isSignedIn(browser))
            let reply = try await browser.get(logoutURL([("id_token_hint", idToken), ("post_logout_redirect_uri", Self.bye), ("state", "s-9")]))
            #expect(reply.status == .seeOther)
            #expect(reply.headers[.location] == Self.bye + "?state=s-9")
            #expect(try await !isSignedIn(browser))
        }
    }

    @Test func anAppsPageMayPostItWithoutACSRFToken() async throws {
        try await Harness().run { api, _ in
            let (_, browser, idToken) = try await signedIn(api)
            let reply = try await browser.post("/oauth2/logout", [("id_token_hint", idToken), ("post_logout_redirect_uri", Self.bye)])
            #expect(reply.status == .seeOther && reply.headers[.location] == Self.bye)
            #expect(try await !isSignedIn(browser))
        }
    }

    @Test func withoutAHintOfTheirsTheUserIsAskedFirst() async throws {
        try await Harness().run { api, _ in
            let (app, browser, _) = try await signedIn(api)
            let asked = try await browser.get(logoutURL([("client_id", app.clientID), ("post_logout_redirect_uri", Self.bye), ("state", "s-1")]))
            #expect(asked.status == .ok && asked.body.contains("Trip Calendar asks you to sign out"))
            // Nothing happened yet: a link from anywhere cannot sign a user out unasked.
            #expect(try await isSignedIn(browser))
            let confirmed = try await browser.post("/oauth2/logout/confirm", BrowserSession.hiddenFields(in: asked.body, action: "/oauth2/logout/confirm"))
            #expect(confirmed.status == .seeOther && confirmed.headers[.location] == Self.bye + "?state=s-1")
            #expect(try await !isSignedIn(browser))

            // Another user's hint asks too.
            let other = BrowserSession(api: api)
            _ = try await other.signIn(email: app.adminEmail, password: app.password)
            let (_, _, someoneElses) = try await signedIn(api)
            let question = try await other.get(logoutURL([("id_token_hint", someoneElses)]))
            #expect(question.status == .ok && question.body.contains("action=\"/oauth2/logout/confirm\""))
            #expect(try await isSignedIn(other))
        }
    }

    @Test func onlyRegisteredDestinationsAndOwnHints() async throws {
        try await Harness().run { api, _ in
            let (app, browser, idToken) = try await signedIn(api)
            let unregistered = try await browser.get(logoutURL([("id_token_hint", idToken), ("post_logout_redirect_uri", "https://app.contoso.com/elsewhere")]))
            #expect(unregistered.status == .badRequest && unregistered.body.contains("has not registered"))
            let forged = try await browser.get(logoutURL([("id_token_hint", String(idToken.dropLast(4)) + "AAAA")]))
            #expect(forged.status == .badRequest)
            let noApp = try await browser.get(logoutURL([("post_logout_redirect_uri", Self.bye)]))
            #expect(noApp.status == .badRequest)
            #expect(try await isSignedIn(browser))

            // Registering one on another host than the app domain names the field (409 on an
            // edit, as for a redirect URL at odds with the app domain).
            let wrong = try await api.send(.patch, "/api/v1/clients/\(app.clientID)", token: app.sellerToken, json: ["postLogoutRedirectUris": ["https://evil.example/bye"]])
            #expect(wrong.status == .conflict && wrong.body.contains("\"field\":\"postLogoutRedirectUris\""), "\(wrong.status) \(wrong.body)")

            // Signed out already (or never in): straight to the destination.
            let anonymous = BrowserSession(api: api)
            let straight = try await anonymous.get(logoutURL([("id_token_hint", idToken), ("post_logout_redirect_uri", Self.bye)]))
            #expect(straight.status == .seeOther && straight.headers[.location] == Self.bye)
        }
    }
}
