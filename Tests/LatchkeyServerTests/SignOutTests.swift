import Foundation
import HTTPTypes
import JWTKit
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

    /// What a logout token carries, read by JWTKit.
    struct LogoutToken: JWTPayload {
        let iss: String
        let aud: String
        let sub: String
        let sid: String?
        let iat: Int
        let exp: Int
        let jti: String
        let events: [String: [String: String]]
        let nonce: String?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    @Test func theAppsBackChannelHearsASignedLogoutTokenForTheSession() async throws {
        let receiver = EventReceiver()
        try await receiver.run { logoutURL in
            var harness = Harness()
            harness.mode = .live
            harness.deliversEvents = true
            // Deliveries of its own: the outbox is the database's.
            harness.ownDatabase = true
            try await harness.run { api, _ in
                let authority = try #require(URLComponents(string: logoutURL).map { "\($0.host!):\($0.port!)" })
                var app = try await api.delegatedApp(clientFields: ["appDomain": authority, "redirectUrl": "http://\(authority)/auth"])
                app.redirectURI = "http://\(authority)/auth"
                let set = try await api.send(.patch, "/api/v1/clients/\(app.clientID)", token: app.sellerToken, json: ["backchannelLogoutUri": logoutURL])
                #expect(set.status == .ok && set.string("backchannelLogoutUri") == logoutURL, "\(set.body)")
                let discovery = try await api.send(.get, "/.well-known/openid-configuration")
                #expect(discovery.json["backchannel_logout_supported"] as? Bool == true && discovery.json["backchannel_logout_session_supported"] as? Bool == true)

                let browser = BrowserSession(api: api)
                _ = try await browser.signIn(email: app.userEmail, password: app.password)
                let tokens = try await api.consentAndRedeem(app, browser: browser, scope: "openid")
                let idToken = try #require(tokens.string("id_token"))
                let sid = try #require(JWTParts.payload(idToken)?["sid"] as? String)

                // Signing out (the account's own sign-out button) tells the app.
                let account = try await browser.get("/account")
                _ = try await browser.post("/signout", [("_csrf", BrowserSession.csrf(in: account.body))])
                let received = try await receiver.wait(for: 1)
                let body = String(decoding: try #require(received.first).body, as: UTF8.self)
                #expect(body.hasPrefix("logout_token="))
                let token = String(body.dropFirst("logout_token=".count))

                let jwks = try await api.send(.get, "/.well-known/jwks.json")
                let keys = try await JWTKeyCollection().add(jwksJSON: jwks.body)
                let claims = try await keys.verify(token, as: LogoutToken.self)
                #expect(claims.iss == "https://login.example.test" && claims.aud == app.clientID && claims.sid == sid && claims.nonce == nil)
                #expect(claims.sub == JWTParts.payload(idToken)?["sub"] as? String)
                #expect(claims.events.keys.sorted() == ["http://schemas.openid.net/event/backchannel-logout"])
                #expect(claims.exp - claims.iat == 120)
                let header = try #require(JWTParts.header(token))
                #expect(header["typ"] as? String == "logout+jwt")

                // The seller sees the delivery with the app's others.
                let deliveries = try await api.deliveries(of: app) { $0.contains { $0["type"] as? String == "backchannel.logout" && $0["status"] as? String == "delivered" } }
                #expect(deliveries.contains { $0["type"] as? String == "backchannel.logout" })

                // A new sign-in is a new session.
                _ = try await browser.signIn(email: app.userEmail, password: app.password)
                let again = try await api.consentAndRedeem(app, browser: browser, scope: "openid")
                let next = try #require(again.string("id_token"))
                #expect(JWTParts.payload(next)?["sid"] as? String != sid)
            }
        }
    }
}
