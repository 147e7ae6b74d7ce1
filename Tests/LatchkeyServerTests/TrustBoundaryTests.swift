import Foundation
import HTTPTypes
import JWTKit
import LatchkeyOAuth
import Testing

/// What one app's token may do to the user's grants to other apps, and which tokens Latchkey's
/// own bearer endpoints accept (docs/security.md, `BearerEndpoints`).
@Suite("Trust boundaries between apps")
struct TrustBoundaryTests {
    let platform = "00000003-0000-0ff1-ce00-000000000000"

    /// A second approved app of the same seller, installed in `app`'s tenant.
    func secondApp(_ api: API, beside app: DelegatedApp) async throws -> DelegatedApp {
        let (clientID, secret, _) = try await api.newClient(token: app.sellerToken, ["redirectUrl": "https://app.contoso.com/second"])
        let appID = try await api.approvedApp(clientID: clientID, sellerToken: app.sellerToken, operatorToken: app.operatorToken, permissions: ["Calendars.Read"])
        try await api.install(appID, in: app.tenantID, operatorToken: app.operatorToken)
        return DelegatedApp(
            sellerToken: app.sellerToken, operatorToken: app.operatorToken, clientID: clientID, secret: secret, appID: appID, tenantID: app.tenantID,
            userEmail: app.userEmail, adminEmail: app.adminEmail, redirectURI: "https://app.contoso.com/second"
        )
    }

    func tokens(_ api: API, _ browser: BrowserSession, _ app: DelegatedApp, scope: String) async throws -> Reply {
        try await api.consentAndRedeem(app, browser: browser, scope: scope)
    }

    @Test func anAppsTokenManagesNoConsentWithoutConsentsReadWrite() async throws {
        try await Harness().run { api, _ in
            let a = try await api.delegatedApp()
            let b = try await secondApp(api, beside: a)
            let browser = BrowserSession(api: api)
            _ = try await browser.signIn(email: a.userEmail, password: a.password)
            let fromA = try await tokens(api, browser, a, scope: "openid Calendars.Read")
            let fromB = try await tokens(api, browser, b, scope: "openid offline_access Calendars.Read")
            let tokenA = try #require(fromA.string("access_token"))

            let list = try await api.send(.get, "/api/v1/me/consents", token: tokenA)
            #expect(list.status == .forbidden && list.string("error") == "insufficient_scope", "\(list.status) \(list.body)")
            #expect(list.headers[.wwwAuthenticate]?.contains("scope=\"Consents.ReadWrite\"") == true)
            let revoke = try await api.send(.delete, "/api/v1/me/consents/\(b.appID)", token: tokenA)
            #expect(revoke.status == .forbidden, "\(revoke.body)")
            let refreshed = try await api.tokenRequest(b, [("grant_type", "refresh_token"), ("refresh_token", try #require(fromB.string("refresh_token")))])
            #expect(refreshed.status == .ok, "B's grant survives A's attempt: \(refreshed.body)")

            // An app the user granted Consents.ReadWrite (an account manager) sees and ends every grant.
            let manager = try await tokens(api, browser, a, scope: "openid Consents.ReadWrite")
            let managerToken = try #require(manager.string("access_token"))
            let listed = try await api.send(.get, "/api/v1/me/consents", token: managerToken)
            #expect(listed.status == .ok)
            #expect(Set((listed["consents"] as? [[String: Any]] ?? []).compactMap { $0["appId"] as? String }) == [a.appID, b.appID])
            #expect(try await api.send(.delete, "/api/v1/me/consents/\(b.appID)", token: managerToken).status == .noContent)
            let stopped = try await api.tokenRequest(b, [("grant_type", "refresh_token"), ("refresh_token", try #require(refreshed.string("refresh_token")))])
            #expect(stopped.string("error") == "invalid_grant")

            // No credentials: a challenge without an error code (RFC 6750 §3.1).
            let anonymous = try await api.send(.get, "/api/v1/me/consents")
            #expect(anonymous.status == .unauthorized && anonymous.headers[.wwwAuthenticate] == "Bearer realm=\"latchkey\"")
        }
    }

    @Test func appOnlyAndSiteTokensAreRefusedWhereAUserActs() async throws {
        try await Harness().run { api, _ in
            let (seller, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: seller)
            let realm = try await api.enable(id, sellerToken: seller).tenantID
            let appOnly = try #require(try await api.token(id, secret).string("access_token"))
            let site = try await api.send(
                .post, "/\(realm)/tokens/OAuth/2",
                body: "grant_type=client_credentials&client_id=\(id)&client_secret=\(BrowserSession.encode(secret))&resource=\(BrowserSession.encode("\(platform)/sites.fabrikam.example@\(realm)"))",
                headers: [.contentType: "application/x-www-form-urlencoded"]
            )
            let siteToken = try #require(site.string("access_token"), "\(site.body)")
            for token in [appOnly, siteToken] {
                for (method, path) in [(HTTPRequest.Method.get, "/api/v1/me/consents"), (.get, "/oauth2/userinfo")] {
                    let reply = try await api.send(method, path, token: token)
                    #expect(reply.status == .unauthorized && reply.headers[.wwwAuthenticate]?.contains("error=\"invalid_token\"") == true, "\(path): \(reply.status) \(reply.body)")
                }
            }
        }
    }

    @Test func theACSResourceMustNameASiteOfTheDeployment() async throws {
        try await Harness().run { api, _ in
            let (seller, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: seller)
            let realm = try await api.enable(id, sellerToken: seller).tenantID
            func ask(_ host: String) async throws -> Reply {
                try await api.send(
                    .post, "/\(realm)/tokens/OAuth/2",
                    body: "grant_type=client_credentials&client_id=\(id)&client_secret=\(BrowserSession.encode(secret))&resource=\(BrowserSession.encode("\(platform)/\(host)@\(realm)"))",
                    headers: [.contentType: "application/x-www-form-urlencoded"]
                )
            }
            for host in ["attacker.example", "sites.fabrikam.example.attacker.example", "fabrikam.example"] {
                let reply = try await ask(host)
                #expect(reply.status == .badRequest && reply.string("error") == "invalid_request", "\(host): \(reply.body)")
                #expect(reply.string("error_description")?.contains("resource") == true)
            }
            // The site URL's host (the public URL's by default) and LATCHKEY_SITE_HOSTS, with or without a port.
            for host in ["login.example.test", "SITES.fabrikam.example", "sites.fabrikam.example:8443"] {
                #expect(try await ask(host).status == .ok, "\(host)")
            }
        }
    }

    @Test func userinfoTakesTheTokenByPostInAFormBody() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let browser = BrowserSession(api: api)
            _ = try await browser.signIn(email: app.userEmail, password: app.password)
            let token = try #require(try await tokens(api, browser, app, scope: "openid email").string("access_token"))
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let posted = try await api.send(.post, "/oauth2/userinfo", body: "access_token=\(token)", headers: form)
            #expect(posted.status == .ok && posted.string("email") == app.userEmail, "\(posted.body)")
            let byHeader = try await api.send(.post, "/oauth2/userinfo", token: token)
            #expect(byHeader.status == .ok)
            var both = form
            both[.authorization] = "Bearer \(token)"
            #expect(try await api.send(.post, "/oauth2/userinfo", body: "access_token=\(token)", headers: both).status == .badRequest)
            let none = try await api.send(.get, "/oauth2/userinfo")
            #expect(none.status == .unauthorized && none.headers[.wwwAuthenticate] == "Bearer realm=\"latchkey\"")
        }
    }

    @Test func noSpellingOfAnEmailEscapesItsSignInLimit() async throws {
        var harness = Harness()
        harness.rateLimits.signInsPerAccount = 5
        try await harness.run { api, _ in
            let (_, email) = try await api.newSeller()  // one attempt
            // Spellings the accounts treat as the same email count against one limit.
            for spelling in [email.uppercased(), " \(email)", "\(email)  ", "  \(email.uppercased()) "] {
                let reply = try await api.send(.post, "/api/v1/tokens", json: ["email": spelling, "password": "guess guess guess"])
                #expect(reply.status == .unauthorized, "\(reply.status) \(reply.body)")
            }
            #expect(try await api.send(.post, "/api/v1/tokens", json: ["email": email, "password": "correct horse battery"]).status == .tooManyRequests)
            // Line breaks and other control or separator characters are refused, never looked up.
            for suffix in ["\n", "\n\n\n", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}"] {
                let reply = try await api.send(.post, "/api/v1/tokens", json: ["email": email + suffix, "password": "correct horse battery"])
                #expect(reply.status == .unprocessableContent && reply.issueFields == ["email"], "\(suffix.unicodeScalars.map(\.value)): \(reply.status) \(reply.body)")
            }
            // The sign-in pages say so beside the field.
            let browser = BrowserSession(api: api)
            let form = try await browser.get("/signin")
            let page = try await browser.post("/signin", [("_csrf", BrowserSession.csrf(in: form.body)), ("email", "uma@fabrikam.example\n"), ("password", "x")])
            #expect(page.status == .unprocessableContent && page.body.contains("Remove line breaks"), "\(page.status)")
            let signUp = try await api.send(.post, "/api/v1/sellers", json: ["email": "new@contoso.example\u{2028}", "password": "a long password", "displayName": "X"])
            #expect(signUp.status == .unprocessableContent && signUp.issueFields == ["email"])
        }
    }

    @Test func makingAClientPublicOrMovingTheEventsURLSendsTheAppBackToReview() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            func status() async throws -> String? {
                try await api.send(.get, "/api/v1/apps/\(app.appID)", token: app.sellerToken).string("status")
            }
            #expect(try await status() == "approved")
            let made = try await api.send(.patch, "/api/v1/clients/\(app.clientID)", token: app.sellerToken, json: ["publicClient": true])
            #expect(made.status == .ok, "\(made.body)")
            #expect(try await status() == "submitted", "a public client's codes redeem with client_id alone: reviewed again")
            // Until approved again, the Client ID obtains nothing.
            let browser = BrowserSession(api: api)
            _ = try await browser.signIn(email: app.userEmail, password: app.password)
            let refused = try await browser.get(app.authorizeURL())
            #expect(queryItems(refused.headers[.location])["error"] == "unauthorized_client", "\(refused.status)")

            let other = try await api.delegatedApp()
            let moved = try await api.send(.patch, "/api/v1/apps/\(other.appID)", token: other.sellerToken, json: ["eventsUrl": "https://events.contoso.com/latchkey"])
            #expect(moved.status == .ok && moved.string("status") == "submitted", "\(moved.body)")
        }
    }

    @Test func everyClientUsesPKCEUnlessAnEarlierErasConfidentialAppIsAllowedWithout() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let browser = BrowserSession(api: api)
            _ = try await browser.signIn(email: app.userEmail, password: app.password)
            let refused = try await browser.get(app.authorizeURL(pkce: nil))
            #expect(queryItems(refused.headers[.location])["error"] == "invalid_request", "\(refused.status)")
            #expect(queryItems(refused.headers[.location])["error_description"]?.contains("PKCE") == true)

            let legacy = try await api.send(.patch, "/api/v1/clients/\(app.clientID)", token: app.sellerToken, json: ["pkceOptional": true])
            #expect(legacy.status == .ok && legacy["pkceOptional"] as? Bool == true, "\(legacy.body)")
            let page = try await browser.get(app.authorizeURL(pkce: nil))
            #expect(page.status == .ok, "the consent page, no error: \(page.status)")

            let both = try await api.send(.patch, "/api/v1/clients/\(app.clientID)", token: app.sellerToken, json: ["publicClient": true])
            #expect(both.status == .conflict && both.issueFields == ["pkceOptional"], "\(both.body)")
            let created = try await api.send(.post, "/api/v1/clients", token: app.sellerToken, json: [
                "friendlyName": "spa", "appDomain": "app.contoso.com", "redirectUrl": "https://app.contoso.com/spa", "publicClient": true, "pkceOptional": true,
            ])
            #expect(created.status == .conflict && created.issueFields == ["pkceOptional"])
        }
    }
}
