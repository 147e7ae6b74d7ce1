import Foundation
import HTTPTypes
import JWTKit
import LatchkeyOAuth
import Testing

@Suite("Authorization code flow (RFC 6749 §4.1, RFC 7636, OpenID Connect)")
struct AuthorizationFlowTests {
    /// Signs in through the authorization endpoint and answers the consent page; returns the redirect.
    func authorize(_ browser: BrowserSession, _ app: DelegatedApp, url: String, email: String, decision: String = "allow", forOrganization: Bool = false) async throws -> Reply {
        var page = try await browser.get(url)
        if page.status == .seeOther, let location = page.headers[.location], location.hasPrefix("/signin") {
            let returnTo = queryItems("https://x" + location)["return"] ?? ""
            let signedIn = try await browser.signIn(email: email, password: app.password, returnTo: returnTo)
            #expect(signedIn.status == .seeOther, "\(signedIn.body)")
            page = try await browser.get(try #require(signedIn.headers[.location]))
        }
        guard page.status == .ok else { return page }
        var fields = BrowserSession.hiddenFields(in: page.body, action: "/oauth2/authorize")
        fields.append(("decision", decision))
        if forOrganization { fields.append(("for_organization", "on")) }
        return try await browser.post("/oauth2/authorize", fields)
    }

    func code(from reply: Reply) throws -> String {
        #expect(reply.status == .found, "\(reply.status) \(reply.body)")
        return try #require(queryItems(reply.headers[.location])["code"])
    }

    @Test func theTripCalendarStory() async throws {
        try await Harness().run { api, clock in
            let app = try await api.delegatedApp()
            let browser = BrowserSession(api: api)
            let pkce = PKCE()

            // No session: Latchkey's own sign-in page, then the consent page naming app, publisher and permissions.
            let start = try await browser.get(app.authorizeURL(scope: "openid profile email offline_access Calendars.Read Consents.ReadWrite", pkce: pkce))
            #expect(start.status == .seeOther && start.headers[.location]?.hasPrefix("/signin?return=") == true)
            let signInPage = try await browser.get(try #require(start.headers[.location]))
            #expect(signInPage.body.contains("name=\"email\"") && signInPage.body.contains("name=\"password\""))
            let returnTo = try #require(queryItems("https://x" + (start.headers[.location] ?? ""))["return"])
            let wrong = try await browser.post("/signin", [("_csrf", BrowserSession.csrf(in: signInPage.body)), ("return", returnTo), ("email", app.userEmail), ("password", "not the password")])
            #expect(wrong.status == .unauthorized && wrong.body.contains("The email or password is wrong."))
            let signedIn = try await browser.signIn(email: app.userEmail, password: app.password, returnTo: returnTo)
            let consent = try await browser.get(try #require(signedIn.headers[.location]))
            #expect(consent.status == .ok)
            for text in ["Trip Calendar", "Contoso", "Read your calendars", "See your email address", "Calendars.Read"] {
                #expect(consent.body.contains(text), "consent page lacks \(text)")
            }
            #expect(!consent.body.contains("on behalf of your organization"), "only admins consent for the organization")
            var fields = BrowserSession.hiddenFields(in: consent.body, action: "/oauth2/authorize")
            fields.append(("decision", "allow"))
            let back = try await browser.post("/oauth2/authorize", fields)
            let query = queryItems(back.headers[.location])
            #expect(back.headers[.location]?.hasPrefix("https://app.contoso.com/auth?") == true)
            #expect(query["state"] == "s-123" && query["iss"] == "https://login.example.test")

            // The code buys an access token, a refresh token and an ID token.
            let exchanged = try await api.tokenRequest(app, [
                ("grant_type", "authorization_code"), ("code", try #require(query["code"])), ("redirect_uri", app.redirectURI), ("code_verifier", pkce.verifier),
            ])
            #expect(exchanged.status == .ok, "\(exchanged.body)")
            let keys = try await JWTKeyCollection().add(jwksJSON: try await api.send(.get, "/.well-known/jwks.json").body)
            let idToken = try await keys.verify(try #require(exchanged.string("id_token")), as: IDTokenClaims.self)
            #expect(idToken.aud == app.clientID && idToken.nonce == "n-456" && idToken.tid == app.tenantID && idToken.iss == "https://login.example.test")
            #expect(idToken.email == app.userEmail && idToken.name == "Uma User")
            #expect(abs(Double(idToken.authTime) - clock.now.timeIntervalSince1970) < 5)
            let access = try await keys.verify(try #require(exchanged.string("access_token")), as: AccessTokenClaims.self)
            #expect(access.sub == idToken.sub && access.tid == app.tenantID && access.scopes.contains("Calendars.Read") && access.roles == nil)
            #expect(access.aud == "00000003-0000-0ff1-ce00-000000000000" && access.clientID == app.clientID)

            // userinfo says what was consented.
            let info = try await api.send(.get, "/oauth2/userinfo", headers: [.authorization: "Bearer \(try #require(exchanged.string("access_token")))"])
            #expect(info.status == .ok && info.string("email") == app.userEmail && info.string("sub") == idToken.sub)

            // SSO and consent reuse: the next request comes straight back with a code.
            let again = try await browser.get(app.authorizeURL())
            #expect(again.status == .found && queryItems(again.headers[.location])["code"] != nil)

            // Refresh: rotated on every use.
            let refreshed = try await api.tokenRequest(app, [("grant_type", "refresh_token"), ("refresh_token", try #require(exchanged.string("refresh_token")))])
            #expect(refreshed.status == .ok && refreshed.string("refresh_token") != exchanged.string("refresh_token"), "\(refreshed.body)")
            #expect(refreshed.string("id_token") != nil)
            let narrowed = try await api.tokenRequest(app, [("grant_type", "refresh_token"), ("refresh_token", try #require(refreshed.string("refresh_token"))), ("scope", "Calendars.Read")])
            #expect(narrowed.status == .ok && narrowed.string("scope") == "Calendars.Read offline_access", "\(narrowed.body)")

            // The user sees and revokes the consent; refresh tokens stop at once, access tokens at introspection.
            // Only a token granted Consents.ReadWrite manages consents (docs/security.md).
            let narrowedToken = try #require(narrowed.string("access_token"))
            #expect(try await api.send(.get, "/api/v1/me/consents", headers: [.authorization: "Bearer \(narrowedToken)"]).status == .forbidden)
            let userToken = try #require(refreshed.string("access_token"))
            let mine = try await api.send(.get, "/api/v1/me/consents", headers: [.authorization: "Bearer \(userToken)"])
            #expect(mine.status == .ok && (mine["consents"] as? [[String: Any]])?.first?["appId"] as? String == app.appID)
            #expect(try await api.introspect(userToken, as: app)["active"] as? Bool == true)
            #expect(try await api.send(.delete, "/api/v1/me/consents/\(app.appID)", headers: [.authorization: "Bearer \(userToken)"]).status == .noContent)
            #expect(try await api.introspect(userToken, as: app)["active"] as? Bool == false)
            let stopped = try await api.tokenRequest(app, [("grant_type", "refresh_token"), ("refresh_token", try #require(narrowed.string("refresh_token")))])
            #expect(stopped.status == .badRequest && stopped.string("error") == "invalid_grant")
            #expect(try await api.send(.get, "/oauth2/userinfo", headers: [.authorization: "Bearer \(userToken)"]).status == .unauthorized)

            // Revoking what is not there is a page saying so, not the API's JSON; pages need a user.
            let missing = try await browser.post("/account/consents/\(UUID().uuidString.lowercased())/revoke", [("_csrf", BrowserSession.csrf(in: try await browser.get("/account").body))])
            #expect(missing.status == .notFound && missing.headers[.contentType]?.hasPrefix("text/html") == true, "\(missing.status) \(missing.body)")
            let anonymous = try await BrowserSession(api: api).get("/account/organization")
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/signin?return=%2Faccount%2Forganization")

            // With the consent gone, the consent page comes back.
            #expect(try await browser.get(app.authorizeURL()).status == .ok)
        }
    }

    @Test func codesAreSingleUseAndAReplayRevokesWhatTheyIssued() async throws {
        try await Harness().run { api, clock in
            // A confidential client of an earlier era, allowed to ask for codes without PKCE.
            let app = try await api.delegatedApp(clientFields: ["pkceOptional": true])
            let browser = BrowserSession(api: api)
            let pkce = PKCE()
            let issued = try code(from: try await authorize(browser, app, url: app.authorizeURL(pkce: pkce), email: app.userEmail))
            let form = [("grant_type", "authorization_code"), ("code", issued), ("redirect_uri", app.redirectURI), ("code_verifier", pkce.verifier)]
            let first = try await api.tokenRequest(app, form)
            #expect(first.status == .ok)
            let replay = try await api.tokenRequest(app, form)
            #expect(replay.status == .badRequest && replay.string("error") == "invalid_grant")
            #expect(try await api.introspect(try #require(first.string("access_token")), as: app)["active"] as? Bool == false)
            let refresh = try await api.tokenRequest(app, [("grant_type", "refresh_token"), ("refresh_token", try #require(first.string("refresh_token")))])
            #expect(refresh.string("error") == "invalid_grant")

            // A code lives a minute.
            let late = try code(from: try await authorize(browser, app, url: app.authorizeURL(pkce: nil), email: app.userEmail))
            clock.advance(by: 61)
            let expired = try await api.tokenRequest(app, [("grant_type", "authorization_code"), ("code", late), ("redirect_uri", app.redirectURI)])
            #expect(expired.string("error") == "invalid_grant" && expired.string("error_description")?.contains("expired") == true)

            // The tenant's log has the sign-in, the consent, each code, and the replay.
            let log = try await api.send(.get, "/api/v1/tenants/\(app.tenantID)/audit", token: app.operatorToken)
            let actions = ((log["entries"] as? [[String: Any]]) ?? []).compactMap { $0["action"] as? String }
            for action in ["user.sign_in", "consent.grant", "grant.issue", "grant.replay", "app.install", "user.create"] {
                #expect(actions.contains(action), "no \(action) in \(actions)")
            }
            #expect(try await api.send(.get, "/api/v1/tenants/\(app.tenantID)/audit", token: app.sellerToken).status == .notFound)
        }
    }

    @Test func refreshReuseRevokesTheFamily() async throws {
        try await Harness().run { api, _ in
            // A confidential client of an earlier era, allowed to ask for codes without PKCE.
            let app = try await api.delegatedApp(clientFields: ["pkceOptional": true])
            let browser = BrowserSession(api: api)
            let issued = try code(from: try await authorize(browser, app, url: app.authorizeURL(pkce: nil), email: app.userEmail))
            let first = try await api.tokenRequest(app, [("grant_type", "authorization_code"), ("code", issued), ("redirect_uri", app.redirectURI)])
            let original = try #require(first.string("refresh_token"))
            let rotated = try await api.tokenRequest(app, [("grant_type", "refresh_token"), ("refresh_token", original)])
            let next = try #require(rotated.string("refresh_token"))
            let reuse = try await api.tokenRequest(app, [("grant_type", "refresh_token"), ("refresh_token", original)])
            #expect(reuse.status == .badRequest && reuse.string("error") == "invalid_grant")
            // The thief's reuse also ends the legitimate holder's chain.
            #expect(try await api.tokenRequest(app, [("grant_type", "refresh_token"), ("refresh_token", next)]).string("error") == "invalid_grant")
        }
    }

    /// RFC 6749 §6: a scope wider than granted is refused as such, and a refused request
    /// changes nothing: the same token refreshes afterwards.
    @Test func aWiderScopeIsRefusedAndTheTokenStillRefreshes() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let browser = BrowserSession(api: api)
            let pkce = PKCE()
            let issued = try code(from: try await authorize(browser, app, url: app.authorizeURL(scope: "openid offline_access Calendars.Read", pkce: pkce), email: app.userEmail))
            let first = try await api.tokenRequest(app, [("grant_type", "authorization_code"), ("code", issued), ("redirect_uri", app.redirectURI), ("code_verifier", pkce.verifier)])
            let token = try #require(first.string("refresh_token"))
            for _ in 0..<2 {
                let wider = try await api.tokenRequest(app, [("grant_type", "refresh_token"), ("refresh_token", token), ("scope", "Calendars.Read Calendars.ReadWrite")])
                #expect(wider.status == .badRequest && wider.string("error") == "invalid_scope", "\(wider.body)")
            }
            let refreshed = try await api.tokenRequest(app, [("grant_type", "refresh_token"), ("refresh_token", token), ("scope", "Calendars.Read")])
            #expect(refreshed.status == .ok && refreshed.string("scope") == "Calendars.Read offline_access", "\(refreshed.body)")
        }
    }

    @Test func pkceFailuresAndRedirectURIMismatch() async throws {
        try await Harness().run { api, _ in
            // A confidential client of an earlier era, allowed to ask for codes without PKCE.
            let app = try await api.delegatedApp(clientFields: ["pkceOptional": true])
            let browser = BrowserSession(api: api)
            let pkce = PKCE()
            let cases: [([(String, String)], String)] = [
                ([("code_verifier", PKCE().verifier), ("redirect_uri", app.redirectURI)], "does not match the code_challenge"),
                ([("redirect_uri", app.redirectURI)], "code_verifier is missing"),
                ([("code_verifier", pkce.verifier), ("redirect_uri", "https://app.contoso.com/other")], "redirect_uri"),
                ([("code_verifier", pkce.verifier)], "redirect_uri"),
            ]
            for (extra, message) in cases {
                let issued = try code(from: try await authorize(browser, app, url: app.authorizeURL(pkce: pkce), email: app.userEmail))
                let reply = try await api.tokenRequest(app, [("grant_type", "authorization_code"), ("code", issued)] + extra)
                #expect(reply.status == .badRequest && reply.string("error") == "invalid_grant", "\(extra)")
                #expect(reply.string("error_description")?.contains(message) == true, "\(reply.body)")
            }
            // PKCE downgrade: a verifier for a code requested without a challenge.
            let plain = try code(from: try await authorize(browser, app, url: app.authorizeURL(pkce: nil), email: app.userEmail))
            let downgrade = try await api.tokenRequest(app, [("grant_type", "authorization_code"), ("code", plain), ("redirect_uri", app.redirectURI), ("code_verifier", pkce.verifier)])
            #expect(downgrade.string("error") == "invalid_grant")
            // A code presented by another client.
            let (otherID, otherSecret, _) = try await api.newClient(token: app.sellerToken)
            let stolen = try code(from: try await authorize(browser, app, url: app.authorizeURL(pkce: nil), email: app.userEmail))
            let other = try await api.send(
                .post, "/oauth2/token", body: "grant_type=authorization_code&code=\(stolen)&redirect_uri=\(BrowserSession.encode(app.redirectURI))",
                headers: [.authorization: "Basic " + Data("\(otherID):\(otherSecret)".utf8).base64EncodedString(), .contentType: "application/x-www-form-urlencoded"]
            )
            #expect(other.string("error") == "invalid_grant")
        }
    }

    @Test func authorizationErrorsGoToTheAppOnlyWhenItsRedirectIsVerified() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let browser = BrowserSession(api: api)
            // RFC 6749 §4.1.2.1: unknown client or unregistered redirect URI → a page, never a redirect.
            for url in [
                "/oauth2/authorize?response_type=code&client_id=\(UUID().uuidString)&scope=openid",
                "/oauth2/authorize?response_type=code&client_id=\(app.clientID)&scope=openid&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
                "/oauth2/authorize?response_type=code&client_id=\(app.clientID)&scope=openid&redirect_uri=https%3A%2F%2Fapp.contoso.com%2Fauth%2F",
                "/oauth2/authorize?response_type=code&scope=openid",
            ] {
                let reply = try await browser.get(url)
                #expect(reply.status == .badRequest && reply.headers[.location] == nil, "\(url)")
                #expect(reply.headers[.contentType]?.hasPrefix("text/html") == true)
            }
            let redirected: [(String, String)] = [
                (app.authorizeURL(extra: [("response_type", "token")]).replacingOccurrences(of: "response_type=code&", with: ""), "unsupported_response_type"),
                (app.authorizeURL(pkce: nil, extra: [("code_challenge", PKCE().challenge), ("code_challenge_method", "plain")]), "invalid_request"),
                (app.authorizeURL(scope: "openid Mail.Send"), "invalid_scope"),
                (app.authorizeURL(scope: ""), "invalid_scope"),
                (app.authorizeURL(extra: [("prompt", "none")]), "login_required"),
            ]
            for (url, error) in redirected {
                let reply = try await browser.get(url)
                let query = queryItems(reply.headers[.location])
                #expect(reply.status == .found && query["error"] == error, "\(url): \(reply.status) \(reply.headers[.location] ?? reply.body)")
                #expect(query["state"] == "s-123" && query["iss"] == "https://login.example.test" && query["error_description"]?.isEmpty == false)
            }
            // Signed in, without consent: prompt=none says so; deny says access_denied.
            _ = try await browser.signIn(email: app.userEmail, password: app.password)
            let silent = try await browser.get(app.authorizeURL(extra: [("prompt", "none")]))
            #expect(queryItems(silent.headers[.location])["error"] == "consent_required")
            let denied = try await authorize(browser, app, url: app.authorizeURL(), email: app.userEmail, decision: "deny")
            #expect(queryItems(denied.headers[.location])["error"] == "access_denied")
            // A form without its CSRF token changes nothing.
            let forged = try await browser.post("/oauth2/authorize", [("client_id", app.clientID), ("response_type", "code"), ("scope", "openid"), ("decision", "allow")])
            #expect(forged.status == .forbidden && forged.headers[.location] == nil)
        }
    }

    @Test func partialConsentAsksOnlyForWhatIsNew() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let browser = BrowserSession(api: api)
            _ = try code(from: try await authorize(browser, app, url: app.authorizeURL(scope: "openid Calendars.Read"), email: app.userEmail))
            let page = try await browser.get(app.authorizeURL(scope: "openid email Calendars.Read"))
            #expect(page.status == .ok && page.body.contains("See your email address"))
            #expect(!page.body.contains("Read your calendars"), "already consented permissions are not asked again")
            // prompt=consent asks for everything again.
            let all = try await browser.get(app.authorizeURL(scope: "openid Calendars.Read", extra: [("prompt", "consent")]))
            #expect(all.status == .ok && all.body.contains("Read your calendars"))
        }
    }

    @Test func adminConsentForTheOrganization() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let user = BrowserSession(api: api)
            // A user cannot consent to an admin-only permission.
            let refused = try await authorize(user, app, url: app.authorizeURL(scope: "openid Calendars.ReadWrite"), email: app.userEmail)
            #expect(queryItems(refused.headers[.location])["error"] == "access_denied")
            // The admin sees the organization choice, and consents for everyone.
            let admin = BrowserSession(api: api)
            let page = try await admin.get(app.authorizeURL(scope: "openid Calendars.ReadWrite"))
            let signedIn = try await admin.signIn(email: app.adminEmail, password: app.password, returnTo: queryItems("https://x" + (page.headers[.location] ?? ""))["return"] ?? "")
            let consent = try await admin.get(try #require(signedIn.headers[.location]))
            #expect(consent.body.contains("on behalf of your organization"))
            _ = try code(from: try await authorize(admin, app, url: app.authorizeURL(scope: "openid Calendars.ReadWrite"), email: app.adminEmail, forOrganization: true))
            // Now the user is not asked at all.
            let straight = try await user.get(app.authorizeURL(scope: "openid Calendars.ReadWrite"))
            #expect(straight.status == .found && queryItems(straight.headers[.location])["code"] != nil, "\(straight.body)")
            let tenantConsents = try await api.send(.get, "/api/v1/tenants/\(app.tenantID)/consents", token: app.operatorToken)
            #expect((tenantConsents["consents"] as? [[String: Any]])?.first?["forOrganization"] as? Bool == true)
        }
    }

    @Test func unapprovedUninstalledAndOtherRegionAppsGetNoCode() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let browser = BrowserSession(api: api)
            _ = try await browser.signIn(email: app.userEmail, password: app.password)
            // Uninstalled: unauthorized_client.
            #expect(try await api.send(.delete, "/api/v1/tenants/\(app.tenantID)/installations/\(app.appID)", token: app.operatorToken).status == .noContent)
            let uninstalled = try await browser.get(app.authorizeURL())
            #expect(queryItems(uninstalled.headers[.location])["error"] == "unauthorized_client", "\(uninstalled.body)")
            // A Client ID with no approved app at all.
            let (bareID, _, _) = try await api.newClient(token: app.sellerToken)
            let bare = try await browser.get(app.authorizeURL().replacingOccurrences(of: app.clientID, with: bareID))
            #expect(queryItems(bare.headers[.location])["error"] == "unauthorized_client")

            // A China-only Client ID for a user of a worldwide tenant: a page, never a redirect carrying a code.
            let china = try await api.delegatedApp(clientFields: ["availability": "china", "appDomain": "cn.contoso.com", "redirectUrl": "https://cn.contoso.com/auth"], region: "china")
            let crossing = try await browser.get(china.authorizeURL().replacingOccurrences(of: BrowserSession.encode(app.redirectURI), with: BrowserSession.encode("https://cn.contoso.com/auth")))
            #expect(crossing.status == .forbidden && crossing.headers[.location] == nil && crossing.body.contains("China"), "\(crossing.status) \(crossing.body)")
            // And a worldwide app cannot be installed in a China tenant.
            let chinaTenant = try await api.newTenant(operatorToken: app.operatorToken, region: "china")
            let install = try await api.send(.post, "/api/v1/tenants/\(chinaTenant)/installations", token: app.operatorToken, json: ["appId": app.appID])
            #expect(install.status == .conflict && install.issueCodes.contains("region_mismatch"))
        }
    }

    @Test func tokenRevocationAndIntrospectionOfEveryKind() async throws {
        try await Harness().run { api, _ in
            // A confidential client of an earlier era, allowed to ask for codes without PKCE.
            let app = try await api.delegatedApp(clientFields: ["pkceOptional": true])
            let browser = BrowserSession(api: api)
            let issued = try code(from: try await authorize(browser, app, url: app.authorizeURL(pkce: nil), email: app.userEmail))
            let tokens = try await api.tokenRequest(app, [("grant_type", "authorization_code"), ("code", issued), ("redirect_uri", app.redirectURI)])
            let access = try #require(tokens.string("access_token"))
            let refresh = try #require(tokens.string("refresh_token"))
            let refreshInfo = try await api.introspect(refresh, as: app)
            #expect(refreshInfo["active"] as? Bool == true && refreshInfo.string("token_type") == "refresh_token" && refreshInfo.string("tid") == app.tenantID)
            let revoke = { (token: String) in
                try await api.send(.post, "/oauth2/revoke", body: "token=\(BrowserSession.encode(token))", headers: [.authorization: app.basic, .contentType: "application/x-www-form-urlencoded"])
            }
            #expect(try await revoke(access).status == .ok)
            #expect(try await api.introspect(access, as: app)["active"] as? Bool == false)
            #expect(try await revoke(refresh).status == .ok)
            #expect(try await api.introspect(refresh, as: app)["active"] as? Bool == false)
            #expect(try await revoke("not-a-token").status == .ok)
            let anonymous = try await api.send(.post, "/oauth2/revoke", body: "token=x", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(anonymous.status == .unauthorized && anonymous.string("error") == "invalid_client")
        }
    }
}

@Suite("Public clients (RFC 6749 §2.1, RFC 7636)")
struct PublicClientTests {
    @Test func aPublicClientUsesPKCEAndNoSecret() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp(clientFields: ["publicClient": true])
            let browser = BrowserSession(api: api)
            // Without PKCE: refused by redirect.
            let plain = try await browser.get(app.authorizeURL(pkce: nil))
            #expect(queryItems(plain.headers[.location])["error"] == "invalid_request", "\(plain.headers[.location] ?? plain.body)")
            let pkce = PKCE()
            let returnTo = queryItems("https://x" + (try await browser.get(app.authorizeURL(pkce: pkce)).headers[.location] ?? ""))["return"] ?? ""
            let signedIn = try await browser.signIn(email: app.userEmail, password: app.password, returnTo: returnTo)
            let consent = try await browser.get(try #require(signedIn.headers[.location]))
            let back = try await browser.post("/oauth2/authorize", BrowserSession.hiddenFields(in: consent.body, action: "/oauth2/authorize") + [("decision", "allow")])
            let code = try #require(queryItems(back.headers[.location])["code"])
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let exchanged = try await api.send(
                .post, "/oauth2/token",
                body: "grant_type=authorization_code&client_id=\(app.clientID)&code=\(code)&redirect_uri=\(BrowserSession.encode(app.redirectURI))&code_verifier=\(pkce.verifier)",
                headers: form
            )
            #expect(exchanged.status == .ok, "\(exchanged.body)")
            let refreshed = try await api.send(
                .post, "/oauth2/token", body: "grant_type=refresh_token&client_id=\(app.clientID)&refresh_token=\(BrowserSession.encode(try #require(exchanged.string("refresh_token"))))",
                headers: form
            )
            #expect(refreshed.status == .ok, "\(refreshed.body)")
            // client_credentials always needs the secret.
            let selfToken = try await api.send(.post, "/oauth2/token", body: "grant_type=client_credentials&client_id=\(app.clientID)&tenant=\(app.tenantID)", headers: form)
            #expect(selfToken.status == .unauthorized && selfToken.string("error") == "invalid_client")
        }
    }

    @Test func aConfidentialClientCannotSkipItsSecret() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let reply = try await api.send(
                .post, "/oauth2/token", body: "grant_type=authorization_code&client_id=\(app.clientID)&code=x&redirect_uri=\(BrowserSession.encode(app.redirectURI))",
                headers: [.contentType: "application/x-www-form-urlencoded"]
            )
            #expect(reply.status == .unauthorized && reply.string("error") == "invalid_client")
        }
    }
}
